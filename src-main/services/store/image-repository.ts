import {
  IMAGE_STATUSES,
  StudioError,
  type ImageCounts,
  type ImageFilter,
  type ImagePage,
  type ImageRecord,
  type ImageStatus,
  type Split,
} from '@shared';
import { writeTransaction, statementCache, type Db } from './database.js';

interface ImageRow {
  id: number;
  hash: string;
  ext: string;
  format: string;
  name: string;
  original_path: string;
  width: number;
  height: number;
  bytes: number;
  status: ImageStatus;
  split: Split | null;
  split_pinned: number;
  annotation_count: number;
  created_at: string;
}

const COLUMNS = 'id, hash, ext, format, name, original_path, width, height, bytes, status, split, split_pinned, annotation_count, created_at';

export function toImageRecord(r: ImageRow): ImageRecord {
  return {
    id: r.id,
    hash: r.hash,
    name: r.name,
    originalPath: r.original_path,
    format: r.format,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    status: r.status,
    split: r.split,
    splitPinned: r.split_pinned === 1,
    annotationCount: r.annotation_count,
    createdAt: r.created_at,
  };
}

/** An image is labeled once it holds an annotation, or once someone marked it done with none. */
const LABELED = "(annotation_count > 0 OR status = 'done')";

function filterSql(filter: ImageFilter): { where: string; params: unknown[] } {
  switch (filter.kind) {
    case 'all':
      return { where: '1', params: [] };
    case 'labeled':
      return { where: LABELED, params: [] };
    case 'unlabeled':
      return { where: `NOT ${LABELED}`, params: [] };
    case 'status':
      return { where: 'status = ?', params: [filter.status] };
    case 'class':
      return { where: 'id IN (SELECT image_id FROM annotations WHERE class_id = ?)', params: [filter.classId] };
  }
}

export interface NewImage {
  hash: string;
  ext: string;
  format: string;
  name: string;
  originalPath: string;
  width: number;
  height: number;
  bytes: number;
  status?: ImageStatus;
  split?: Split | null;
  /** 64-bit difference hash as 16 hex digits; null where it could not be computed. */
  dhash?: string | null;
}

export interface StoredImage {
  id: number;
  hash: string;
  ext: string;
}

/** What the annotation editor keeps of an image besides its annotations. */
export interface EditedImageRow {
  id: number;
  width: number;
  height: number;
  status: ImageStatus;
}

export class ImageRepository {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Db) {
    this.sql = statementCache(db);
  }

  list(filter: ImageFilter, offset: number, limit: number): ImagePage {
    const { where, params } = filterSql(filter);
    const total = (this.sql(`SELECT COUNT(*) AS n FROM images WHERE ${where}`).get(...params) as { n: number }).n;
    const rows = this.sql(`SELECT ${COLUMNS} FROM images WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`).all(...params, limit, offset) as ImageRow[];
    return { total, offset, items: rows.map(toImageRecord) };
  }

  /**
   * The first image after `afterId` (or before it, for `previous`) in id order that matches the
   * filter; null at the end. `afterId` 0 starts from the first image, or for `previous` the last.
   */
  next(afterId: number, direction: 'next' | 'previous', filter: ImageFilter): ImageRecord | null {
    const { where, params } = filterSql(filter);
    const row = (
      direction === 'next'
        ? this.sql(`SELECT ${COLUMNS} FROM images WHERE id > ? AND ${where} ORDER BY id LIMIT 1`).get(afterId, ...params)
        : this.sql(`SELECT ${COLUMNS} FROM images WHERE id < ? AND ${where} ORDER BY id DESC LIMIT 1`).get(afterId === 0 ? Number.MAX_SAFE_INTEGER : afterId, ...params)
    ) as ImageRow | undefined;
    return row ? toImageRecord(row) : null;
  }

  get(id: number): ImageRecord {
    const row = this.sql(`SELECT ${COLUMNS} FROM images WHERE id = ?`).get(id) as ImageRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no image with id ${id} in this project.`);
    return toImageRecord(row);
  }

  /** Media-store identity of an image: what the media protocol needs to find its files. */
  stored(id: number): StoredImage | undefined {
    return this.sql('SELECT id, hash, ext FROM images WHERE id = ?').get(id) as StoredImage | undefined;
  }

  /** Every image's media-store identity, in id order. */
  listStored(): StoredImage[] {
    return this.sql('SELECT id, hash, ext FROM images ORDER BY id').all() as StoredImage[];
  }

  /** What the annotation editor keeps of an image: its size, which boxes are clamped to, and its status. */
  forEditing(id: number): EditedImageRow | undefined {
    return this.sql('SELECT id, width, height, status FROM images WHERE id = ?').get(id) as EditedImageRow | undefined;
  }

  /** An edit of its labels: the first one starts the image (`new` becomes `in_progress`); every one dates it. */
  markEdited(id: number, now: string): void {
    this.sql("UPDATE images SET status = CASE status WHEN 'new' THEN 'in_progress' ELSE status END, updated_at = ? WHERE id = ?").run(now, id);
  }

  byHash(hash: string): ImageRecord | undefined {
    const row = this.sql(`SELECT ${COLUMNS} FROM images WHERE hash = ?`).get(hash) as ImageRow | undefined;
    return row ? toImageRecord(row) : undefined;
  }

  /** Every image in id order, without loading them all at once. */
  *iterate(): IterableIterator<ImageRecord> {
    for (const row of this.db.prepare(`SELECT ${COLUMNS} FROM images ORDER BY id`).iterate() as IterableIterator<ImageRow>) {
      yield toImageRecord(row);
    }
  }

  count(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM images').get() as { n: number }).n;
  }

  counts(): ImageCounts {
    const totals = this.sql(`SELECT COUNT(*) AS all_, COALESCE(SUM(CASE WHEN ${LABELED} THEN 1 ELSE 0 END), 0) AS labeled FROM images`).get() as {
      all_: number;
      labeled: number;
    };
    const byStatus = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
    for (const r of this.sql('SELECT status, COUNT(*) AS n FROM images GROUP BY status').all() as { status: ImageStatus; n: number }[]) {
      byStatus[r.status] = r.n;
    }
    const byClass: Record<number, number> = {};
    for (const r of this.sql('SELECT class_id, COUNT(DISTINCT image_id) AS n FROM annotations GROUP BY class_id').all() as { class_id: number; n: number }[]) {
      byClass[r.class_id] = r.n;
    }
    return { all: totals.all_, labeled: totals.labeled, unlabeled: totals.all_ - totals.labeled, byStatus, byClass };
  }

  insert(image: NewImage): number {
    const now = new Date().toISOString();
    const info = this.sql(
      `INSERT INTO images (hash, ext, format, name, original_path, width, height, bytes, status, split, dhash, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      image.hash,
      image.ext,
      image.format,
      image.name,
      image.originalPath,
      image.width,
      image.height,
      image.bytes,
      image.status ?? 'new',
      image.split ?? null,
      image.dhash ?? null,
      now,
      now,
    );
    return Number(info.lastInsertRowid);
  }

  setStatus(ids: readonly number[], status: ImageStatus): number {
    const stmt = this.sql('UPDATE images SET status = ?, updated_at = ? WHERE id = ?');
    const now = new Date().toISOString();
    let updated = 0;
    writeTransaction(this.db, () => {
      for (const id of ids) updated += stmt.run(status, now, id).changes;
    })();
    return updated;
  }

  /** Stores split assignments; `pinned` marks images the split editor must not move. */
  setSplits(assignments: Iterable<{ id: number; split: Split | null; pinned?: boolean }>): void {
    const stmt = this.sql('UPDATE images SET split = ?, split_pinned = COALESCE(?, split_pinned), updated_at = ? WHERE id = ?');
    const now = new Date().toISOString();
    writeTransaction(this.db, () => {
      for (const a of assignments) stmt.run(a.split, a.pinned === undefined ? null : a.pinned ? 1 : 0, now, a.id);
    })();
  }

  /** Every image's split and whether it is pinned there, for the split editor to recompute. */
  splitPlacements(): { id: number; split: Split | null; pinned: boolean }[] {
    const rows = this.sql('SELECT id, split, split_pinned FROM images').raw().all() as [number, Split | null, number][];
    return rows.map(([id, split, pinned]) => ({ id, split, pinned: pinned === 1 }));
  }

  missingDhashCount(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM images WHERE dhash IS NULL').get() as { n: number }).n;
  }

  /** Images without a difference hash, in id order after `afterId`: what the health report fills in. */
  missingDhash(afterId: number, limit: number): StoredImage[] {
    return this.sql('SELECT id, hash, ext FROM images WHERE dhash IS NULL AND id > ? ORDER BY id LIMIT ?').all(afterId, limit) as StoredImage[];
  }

  /** Up to `limit` images after `afterId` that have a difference hash, in id order, as [id, dhash]. */
  differenceHashPage(afterId: number, limit: number): [id: number, dhash: string][] {
    return this.sql('SELECT id, dhash FROM images WHERE id > ? AND dhash IS NOT NULL ORDER BY id LIMIT ?').raw().all(afterId, limit) as [number, string][];
  }

  setDhashes(hashes: Iterable<{ id: number; dhash: string }>): void {
    const stmt = this.sql('UPDATE images SET dhash = ? WHERE id = ?');
    writeTransaction(this.db, () => {
      for (const h of hashes) stmt.run(h.dhash, h.id);
    })();
  }
}
