import crypto from 'node:crypto';
import type { ModelCreateBody, ModelPublic } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import { iso } from './rows.js';

const toModel = (r: Record<string, unknown>): ModelPublic => ({
  id: String(r.id),
  projectId: String(r.project_id),
  name: String(r.name),
  format: String(r.format),
  task: r.task as ModelPublic['task'],
  classes: r.classes as string[],
  metrics: r.metrics as Record<string, number>,
  source: r.source as ModelPublic['source'],
  fileHash: r.file_hash === null ? null : String(r.file_hash),
  bytes: r.bytes === null ? null : Number(r.bytes),
  createdBy: String(r.created_by),
  createdAt: iso(r.created_at),
});

/** The model registry: records per project, each with at most one file (by content hash). */
export class ModelsRepository {
  constructor(private readonly db: Database) {}

  async create(projectId: string, body: ModelCreateBody, by: string): Promise<ModelPublic> {
    const [row] = await this.db.query(
      `INSERT INTO models (id, project_id, name, format, task, classes, metrics, source, created_by)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9) RETURNING *`,
      [crypto.randomUUID(), projectId, body.name, body.format, body.task, JSON.stringify(body.classes), JSON.stringify(body.metrics), JSON.stringify(body.source), by],
    );
    return toModel(row);
  }

  async byId(id: string, q: Queryable = this.db): Promise<ModelPublic | null> {
    const [row] = await q.query('SELECT * FROM models WHERE id = $1', [id]);
    return row ? toModel(row) : null;
  }

  /** Models of one project, or of every project `userId` is a member of; newest first. */
  async list(userId: string, projectId?: string): Promise<ModelPublic[]> {
    const rows = await this.db.query(
      `SELECT m.* FROM models m JOIN project_members pm ON pm.project_id = m.project_id AND pm.user_id = $1
       WHERE ($2::uuid IS NULL OR m.project_id = $2::uuid) ORDER BY m.created_at DESC, m.id LIMIT 1000`,
      [userId, projectId ?? null],
    );
    return rows.map(toModel);
  }

  /**
   * Records the uploaded file. A model's file is set once: answers false when it already has a
   * different one (the registry never swaps weights under a name).
   */
  async setFile(q: Queryable, id: string, hash: string, bytes: number): Promise<boolean> {
    const rows = await q.query(
      'UPDATE models SET file_hash = $2, bytes = $3 WHERE id = $1 AND (file_hash IS NULL OR file_hash = $2) RETURNING id',
      [id, hash, bytes],
    );
    return rows.length > 0;
  }

  async rename(id: string, name: string): Promise<ModelPublic | null> {
    const [row] = await this.db.query('UPDATE models SET name = $2 WHERE id = $1 RETURNING *', [id, name]);
    return row ? toModel(row) : null;
  }

  /** Deletes a record; answers its file's hash, for SharedObjects.release to sweep. */
  async delete(id: string): Promise<{ fileHash: string | null }> {
    const [row] = await this.db.query<{ file_hash: string | null }>('DELETE FROM models WHERE id = $1 RETURNING file_hash', [id]);
    return { fileHash: row?.file_hash ?? null };
  }
}
