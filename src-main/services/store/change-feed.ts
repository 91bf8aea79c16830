/**
 * What other processes changed in the project since the last look: the rows of `change_log`
 * (migration 6) that another connection wrote. This connection's own rows are told apart by a
 * TEMP trigger, which only this connection has, so a studio hears about an import running in a
 * terminal, and never about its own writes (it emits those itself, as it makes them).
 *
 * `PRAGMA data_version` changes only when another connection commits, so a look while nothing
 * else wrote costs one pragma.
 */
import { readTransaction, type ChangeCounters, type Db } from './database.js';

export interface ExternalChanges {
  imagesAdded: boolean;
  imagesRemoved: boolean;
  imagesEdited: boolean;
  /** Images whose annotations changed. */
  annotations: number[];
  /** Images whose suggestions changed. */
  suggestions: number[];
  classes: boolean;
  /** Runs added or changed. */
  runs: string[];
  project: boolean;
  /**
   * More changed than a look reads at once (a whole import): lists may be incomplete, and
   * whoever shows them should reload rather than patch.
   */
  overflow: boolean;
}

/** The most rows one look reads; past it the changes are reported as an overflow. */
const MAX_ROWS = 5000;

export class ChangeFeed {
  private readonly rowsAfter;
  private readonly maxSeq;
  private readonly forgetOwn;
  /** The new rows and the high-water mark, read in one snapshot. */
  private readonly readAfter;
  /** The high-water mark and data_version, read in one snapshot (maxSeq first, which starts it). */
  private readonly readMark;
  private lastVersion: number;
  /** This connection's total_changes() at the last look: it moves only when this connection writes. */
  private lastOwnChanges: number;
  private lastSeq: number;
  /** The last look read only part of the rows: the next one reads on, whatever data_version says. */
  private behind = false;

  constructor(
    private readonly db: Db,
    /** The store's reader of this connection's counters (database.ts, changeCounterReader). */
    private readonly counters: () => ChangeCounters,
  ) {
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS own_changes (seq INTEGER PRIMARY KEY);
      CREATE TEMP TRIGGER IF NOT EXISTS own_change AFTER INSERT ON main.change_log BEGIN
        INSERT OR IGNORE INTO own_changes (seq) VALUES (NEW.seq);
      END;
    `);
    this.rowsAfter = db.prepare(`SELECT seq, topic, ref FROM main.change_log WHERE seq > ? AND seq NOT IN (SELECT seq FROM temp.own_changes) ORDER BY seq LIMIT ${MAX_ROWS + 1}`);
    this.maxSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM main.change_log').pluck();
    this.forgetOwn = db.prepare('DELETE FROM temp.own_changes WHERE seq <= ?');
    this.readAfter = readTransaction(db, (after: number) => ({
      rows: this.rowsAfter.all(after) as { seq: number; topic: string; ref: string }[],
      top: this.maxSeq.get() as number,
    }));
    this.readMark = readTransaction(db, () => ({ top: this.maxSeq.get() as number, version: this.counters().dataVersion }));
    const { dataVersion, totalChanges } = counters();
    this.lastVersion = dataVersion;
    this.lastSeq = this.maxSeq.get() as number;
    this.lastOwnChanges = totalChanges;
  }

  /** What other processes committed since the last call; null when nothing. */
  poll(): ExternalChanges | null {
    if (!this.db.open) return null;
    const version = this.counters().dataVersion;
    if (version === this.lastVersion && !this.behind) {
      this.passOwnRows();
      return null;
    }
    this.lastVersion = version;
    const { rows, top } = this.readAfter(this.lastSeq);
    const overflow = rows.length > MAX_ROWS;
    this.behind = overflow;
    this.lastSeq = overflow ? rows[MAX_ROWS - 1]!.seq : top;
    this.dropOwnRows();
    if (rows.length === 0) return null;
    const changes: ExternalChanges = {
      imagesAdded: false,
      imagesRemoved: false,
      imagesEdited: false,
      annotations: [],
      suggestions: [],
      classes: false,
      runs: [],
      project: false,
      overflow,
    };
    for (const { topic, ref } of rows.slice(0, MAX_ROWS)) {
      switch (topic) {
        case 'image_added':
          changes.imagesAdded = true;
          break;
        case 'image_removed':
          changes.imagesRemoved = true;
          break;
        case 'image_edited':
          changes.imagesEdited = true;
          break;
        case 'annotations':
          changes.annotations.push(Number(ref));
          break;
        case 'suggestions':
          changes.suggestions.push(Number(ref));
          break;
        case 'classes':
          changes.classes = true;
          break;
        case 'run':
          changes.runs.push(ref);
          break;
        case 'project':
          changes.project = true;
          break;
      }
    }
    return changes;
  }

  /**
   * Nobody else committed since the last look: if this connection wrote, every new row is its
   * own, so the mark moves past them and they are forgotten. Without this, a studio that alone
   * labels or imports for hours would keep a row per edit until another process wrote.
   */
  private passOwnRows(): void {
    if (this.counters().totalChanges === this.lastOwnChanges) return;
    const { top, version } = this.readMark();
    // Another process committed meanwhile: the next look reads its rows, and moves the mark then.
    if (version !== this.lastVersion) return;
    this.lastSeq = top;
    this.dropOwnRows();
  }

  /** This connection's own rows are of no more use once the mark is past them. */
  private dropOwnRows(): void {
    this.forgetOwn.run(this.lastSeq);
    // The delete counts as this connection's change too.
    this.lastOwnChanges = this.counters().totalChanges;
  }
}
