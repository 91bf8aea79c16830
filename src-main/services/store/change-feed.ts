/**
 * What other processes changed in the project since the last look: the rows of `change_log`
 * (migration 6) that another connection wrote. This connection's own rows are told apart by a
 * TEMP trigger, which only this connection has, so a studio hears about an import running in a
 * terminal, and never about its own writes (it emits those itself, as it makes them).
 *
 * `PRAGMA data_version` changes only when another connection commits, so a look while nothing
 * else wrote costs one pragma.
 */
import { readTransaction, type Db } from './database.js';

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
  private readonly dataVersion;
  private readonly rowsAfter;
  private readonly maxSeq;
  private readonly forgetOwn;
  private lastVersion: number;
  private lastSeq: number;
  /** The last look read only part of the rows: the next one reads on, whatever data_version says. */
  private behind = false;

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS own_changes (seq INTEGER PRIMARY KEY);
      CREATE TEMP TRIGGER IF NOT EXISTS own_change AFTER INSERT ON main.change_log BEGIN
        INSERT OR IGNORE INTO own_changes (seq) VALUES (NEW.seq);
      END;
    `);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.rowsAfter = db.prepare(`SELECT seq, topic, ref FROM main.change_log WHERE seq > ? AND seq NOT IN (SELECT seq FROM temp.own_changes) ORDER BY seq LIMIT ${MAX_ROWS + 1}`);
    this.maxSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM main.change_log').pluck();
    this.forgetOwn = db.prepare('DELETE FROM temp.own_changes WHERE seq <= ?');
    this.lastVersion = this.dataVersion.get() as number;
    this.lastSeq = this.maxSeq.get() as number;
  }

  /** What other processes committed since the last call; null when nothing. */
  poll(): ExternalChanges | null {
    if (!this.db.open) return null;
    const version = this.dataVersion.get() as number;
    if (version === this.lastVersion && !this.behind) {
      this.dropOwnRows();
      return null;
    }
    this.lastVersion = version;
    // One read transaction, so the rows and the new high-water mark are of the same moment.
    const { rows, top } = readTransaction(this.db, () => ({
      rows: this.rowsAfter.all(this.lastSeq) as { seq: number; topic: string; ref: string }[],
      top: this.maxSeq.get() as number,
    }))();
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

  /** This connection's own rows are of no more use once the mark is past them. */
  private dropOwnRows(): void {
    this.forgetOwn.run(this.lastSeq);
  }
}
