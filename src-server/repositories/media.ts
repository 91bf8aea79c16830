import type { z } from 'zod';
import type { ImageListItem as ImageListItemSchema } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import { iso } from './rows.js';

type ImageListItem = z.infer<typeof ImageListItemSchema>;

/** Which media each project holds (the bytes are in the object store). */
export class MediaRepository {
  constructor(private readonly db: Database) {}

  /** The hashes among `hashes` that the project records as held (their bytes may be lost: see SharedObjects.confirm). */
  async held(projectId: string, hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await this.db.query<{ hash: string }>('SELECT hash FROM project_media WHERE project_id = $1 AND hash = ANY($2::text[])', [projectId, hashes]);
    return new Set(rows.map((r) => r.hash));
  }

  async has(projectId: string, hash: string, q: Queryable = this.db): Promise<boolean> {
    const rows = await q.query('SELECT 1 FROM project_media WHERE project_id = $1 AND hash = $2', [projectId, hash]);
    return rows.length > 0;
  }

  /**
   * Records that the project holds `hash`; answers false when it already did (an idempotent
   * re-upload). Called by SharedObjects.attach, in the transaction that holds the object's lock.
   */
  async add(q: Queryable, projectId: string, hash: string, bytes: number): Promise<boolean> {
    const rows = await q.query(
      'INSERT INTO project_media (project_id, hash, bytes) VALUES ($1, $2, $3) ON CONFLICT (project_id, hash) DO NOTHING RETURNING hash',
      [projectId, hash, bytes],
    );
    return rows.length > 0;
  }

  /** The extension the project's labels give this media, for a Content-Type. */
  async extOf(projectId: string, hash: string): Promise<string | null> {
    const [row] = await this.db.query<{ ext: string }>('SELECT ext FROM project_images WHERE project_id = $1 AND hash = $2', [projectId, hash]);
    return row?.ext ?? null;
  }

  /** One page of the project's images, newest revision last, after `after` (a revision). */
  async listImages(projectId: string, after: number, limit: number): Promise<{ images: ImageListItem[]; total: number }> {
    const rows = await this.db.query<Record<string, unknown>>(
      `SELECT i.hash, i.name, i.ext, i.width, i.height, i.status, i.annotation_count, i.revision, i.updated_at,
              EXISTS (SELECT 1 FROM project_media m WHERE m.project_id = i.project_id AND m.hash = i.hash) AS has_media
       FROM project_images i WHERE i.project_id = $1 AND i.revision > $2 ORDER BY i.revision LIMIT $3`,
      [projectId, after, limit],
    );
    const [count] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM project_images WHERE project_id = $1', [projectId]);
    return {
      total: count.n,
      images: rows.map((r) => ({
        hash: String(r.hash),
        name: String(r.name),
        ext: String(r.ext),
        width: Number(r.width),
        height: Number(r.height),
        status: r.status as ImageListItem['status'],
        annotationCount: Number(r.annotation_count),
        revision: Number(r.revision),
        hasMedia: Boolean(r.has_media),
        updatedAt: iso(r.updated_at),
      })),
    };
  }
}
