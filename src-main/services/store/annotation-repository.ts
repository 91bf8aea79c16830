import { randomUUID } from 'node:crypto';
import type { Annotation, AnnotationSource } from '@shared';
import { statementCache, type Db } from './database.js';

interface AnnotationRow {
  id: string;
  image_id: number;
  class_id: number;
  kind: 'box' | 'tag';
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  source: AnnotationSource;
}

export function toAnnotation(r: AnnotationRow): Annotation {
  if (r.kind === 'tag') return { id: r.id, imageId: r.image_id, classId: r.class_id, kind: 'tag', source: r.source };
  return { id: r.id, imageId: r.image_id, classId: r.class_id, kind: 'box', x: r.x!, y: r.y!, w: r.w!, h: r.h!, source: r.source };
}

export type NewAnnotation =
  | { classId: number; kind: 'box'; x: number; y: number; w: number; h: number; source?: AnnotationSource; id?: string }
  | { classId: number; kind: 'tag'; source?: AnnotationSource; id?: string };

const SELECT = 'SELECT id, image_id, class_id, kind, x, y, w, h, source FROM annotations';

export class AnnotationRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  forImage(imageId: number): Annotation[] {
    const rows = this.sql(`${SELECT} WHERE image_id = ? ORDER BY rowid`).all(imageId) as AnnotationRow[];
    return rows.map(toAnnotation);
  }

  /** All annotations grouped by image, for exports and statistics. */
  byImage(): Map<number, Annotation[]> {
    const out = new Map<number, Annotation[]>();
    for (const row of this.db.prepare(`${SELECT} ORDER BY image_id, rowid`).iterate() as IterableIterator<AnnotationRow>) {
      const list = out.get(row.image_id);
      const a = toAnnotation(row);
      if (list) list.push(a);
      else out.set(row.image_id, [a]);
    }
    return out;
  }

  /** The classes of each image's annotations, read row by row (a large project is never loaded whole). */
  classIdsByImage(): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const [imageId, classId] of this.db.prepare('SELECT image_id, class_id FROM annotations').raw().iterate() as IterableIterator<[number, number]>) {
      const list = out.get(imageId);
      if (list) list.push(classId);
      else out.set(imageId, [classId]);
    }
    return out;
  }

  count(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM annotations').get() as { n: number }).n;
  }

  /** Adds annotations to an image, skipping ids it holds already; call inside a transaction to make it atomic with other writes. */
  insertMany(imageId: number, annotations: readonly NewAnnotation[]): number {
    const now = new Date().toISOString();
    const stmt = this.sql(
      `INSERT INTO annotations (id, image_id, class_id, kind, x, y, w, h, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    let n = 0;
    for (const a of annotations) {
      const box = a.kind === 'box' ? a : null;
      n += stmt.run(a.id ?? randomUUID(), imageId, a.classId, a.kind, box?.x ?? null, box?.y ?? null, box?.w ?? null, box?.h ?? null, a.source ?? 'manual', now, now).changes;
    }
    return n;
  }

  /**
   * Adds one annotation under the id it comes with. Throws SQLite's constraint error when the id
   * is taken (or the image holds a tag of the class already): the caller decides what that means.
   */
  insert(a: Annotation, now: string): void {
    const box = a.kind === 'box' ? a : null;
    this.sql(
      `INSERT INTO annotations (id, image_id, class_id, kind, x, y, w, h, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(a.id, a.imageId, a.classId, a.kind, box?.x ?? null, box?.y ?? null, box?.w ?? null, box?.h ?? null, a.source, now, now);
  }

  /** Rewrites an annotation's class and geometry; its id, image, kind and source stay. */
  update(a: Annotation, now: string): number {
    const box = a.kind === 'box' ? a : null;
    return this.sql('UPDATE annotations SET class_id = ?, x = ?, y = ?, w = ?, h = ?, updated_at = ? WHERE id = ? AND image_id = ?').run(
      a.classId,
      box?.x ?? null,
      box?.y ?? null,
      box?.w ?? null,
      box?.h ?? null,
      now,
      a.id,
      a.imageId,
    ).changes;
  }

  delete(imageId: number, id: string): number {
    return this.sql('DELETE FROM annotations WHERE id = ? AND image_id = ?').run(id, imageId).changes;
  }
}
