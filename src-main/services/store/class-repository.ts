import { StudioError, type ClassDef, type ClassImpact } from '@shared';
import { writeTransaction, statementCache, type Db } from './database.js';

/** Colours that stay apart from each other on photos; new classes take the next one. */
export const CLASS_PALETTE = [
  '#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45',
  '#fabed4', '#469990', '#dcbeff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000',
  '#ffd8b1', '#000075', '#a9a9a9', '#ffe119',
];

interface ClassRow {
  id: number;
  name: string;
  color: string;
  ord: number;
}

const toClass = (r: ClassRow): ClassDef => ({ id: r.id, name: r.name, color: r.color, order: r.ord });

export class ClassRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  list(): ClassDef[] {
    return (this.sql('SELECT id, name, color, ord FROM classes ORDER BY ord, id').all() as ClassRow[]).map(toClass);
  }

  get(id: number): ClassDef {
    const row = this.sql('SELECT id, name, color, ord FROM classes WHERE id = ?').get(id) as ClassRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no class with id ${id}.`);
    return toClass(row);
  }

  exists(id: number): boolean {
    return this.sql('SELECT 1 FROM classes WHERE id = ?').get(id) !== undefined;
  }

  byName(name: string): ClassDef | undefined {
    const row = this.sql('SELECT id, name, color, ord FROM classes WHERE name = ?').get(name) as ClassRow | undefined;
    return row ? toClass(row) : undefined;
  }

  create(name: string, color?: string): ClassDef {
    const trimmed = name.trim();
    if (this.byName(trimmed)) throw new StudioError('already_exists', `A class named "${trimmed}" exists already.`);
    const { n, maxOrd } = this.sql('SELECT COUNT(*) AS n, COALESCE(MAX(ord), -1) AS maxOrd FROM classes').get() as { n: number; maxOrd: number };
    const chosen = color ?? CLASS_PALETTE[n % CLASS_PALETTE.length];
    const info = this.sql('INSERT INTO classes (name, color, ord) VALUES (?, ?, ?)').run(trimmed, chosen, maxOrd + 1);
    return this.get(Number(info.lastInsertRowid));
  }

  /** Returns each name's class id, creating the missing classes in the order given. */
  ensure(names: readonly string[]): { ids: Map<string, number>; created: string[] } {
    const ids = new Map<string, number>();
    const created: string[] = [];
    writeTransaction(this.db, () => {
      for (const raw of names) {
        const name = raw.trim();
        if (!name || ids.has(name)) continue;
        const existing = this.byName(name);
        if (existing) {
          ids.set(name, existing.id);
        } else {
          ids.set(name, this.create(name).id);
          created.push(name);
        }
      }
    })();
    return { ids, created };
  }

  update(id: number, patch: { name?: string; color?: string }): ClassDef {
    const current = this.get(id);
    const name = patch.name?.trim() ?? current.name;
    if (name !== current.name && this.byName(name)) throw new StudioError('already_exists', `A class named "${name}" exists already.`);
    this.sql('UPDATE classes SET name = ?, color = ? WHERE id = ?').run(name, patch.color ?? current.color, id);
    return this.get(id);
  }

  /** Sets the order of the classes; ids must name every class exactly once. */
  reorder(ids: readonly number[]): ClassDef[] {
    const existing = this.list().map((c) => c.id);
    const given = new Set(ids);
    if (given.size !== ids.length || given.size !== existing.length || existing.some((id) => !given.has(id))) {
      throw new StudioError('invalid_input', 'A new class order must list every class exactly once.');
    }
    const set = this.sql('UPDATE classes SET ord = ? WHERE id = ?');
    writeTransaction(this.db, () => ids.forEach((id, i) => set.run(i, id)))();
    return this.list();
  }

  /** How many annotations the class has, on how many images. */
  impact(id: number): ClassImpact {
    this.get(id);
    const row = this.sql('SELECT COUNT(*) AS annotations, COUNT(DISTINCT image_id) AS images FROM annotations WHERE class_id = ?').get(id) as {
      annotations: number;
      images: number;
    };
    return { classId: id, annotations: row.annotations, images: row.images };
  }

  /** Deletes the class and, by the foreign key's cascade, its annotations. Returns what it touched. */
  delete(id: number): ClassImpact {
    return writeTransaction(this.db, () => {
      const impact = this.impact(id);
      this.touchImagesOf(id);
      this.sql('DELETE FROM classes WHERE id = ?').run(id);
      return impact;
    })();
  }

  /**
   * Moves every annotation of `sourceId` to `targetId`, then deletes the source class. An image
   * holds one tag per class: a source tag on an image that has the target tag already is dropped.
   * Returns what the source class had.
   */
  merge(sourceId: number, targetId: number): ClassImpact {
    if (sourceId === targetId) throw new StudioError('invalid_input', 'A class cannot be merged into itself.');
    return writeTransaction(this.db, () => {
      const impact = this.impact(sourceId);
      this.get(targetId);
      const now = new Date().toISOString();
      this.touchImagesOf(sourceId, now);
      this.sql(
        `DELETE FROM annotations WHERE class_id = ? AND kind = 'tag'
           AND image_id IN (SELECT image_id FROM annotations WHERE class_id = ? AND kind = 'tag')`,
      ).run(sourceId, targetId);
      this.sql('UPDATE annotations SET class_id = ?, updated_at = ? WHERE class_id = ?').run(targetId, now, sourceId);
      this.sql('DELETE FROM classes WHERE id = ?').run(sourceId);
      return impact;
    })();
  }

  private touchImagesOf(classId: number, now = new Date().toISOString()): void {
    this.sql('UPDATE images SET updated_at = ? WHERE id IN (SELECT image_id FROM annotations WHERE class_id = ?)').run(now, classId);
  }
}
