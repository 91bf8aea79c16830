import crypto from 'node:crypto';
import type { ProjectMember, ProjectPublic, ProjectRole } from '@shared';
import type { Database, Queryable } from '../db/database.js';
import type { ReadCache } from '../db/read-cache.js';
import { JsonBody } from '../json-body.js';
import { iso } from './rows.js';

interface ProjectRow extends Record<string, unknown> {
  id: string;
  name: string;
  task: 'detect' | 'classify';
  multi_label: boolean;
  owner_id: string;
  revision: number;
  created_at: Date;
  role: ProjectRole;
  image_count: number;
}

const toPublic = (r: ProjectRow): ProjectPublic => ({
  id: r.id,
  name: r.name,
  task: r.task,
  multiLabel: r.multi_label,
  ownerId: r.owner_id,
  role: r.role,
  revision: Number(r.revision),
  imageCount: Number(r.image_count),
  createdAt: iso(r.created_at),
});

const SELECT_FOR_MEMBER = `
  SELECT p.*, m.role
  FROM project_members m JOIN projects p ON p.id = m.project_id
  WHERE m.user_id = $1`;

/** Shared projects and who may do what in them. */
export class ProjectsRepository {
  constructor(
    private readonly db: Database,
    private readonly cache?: ReadCache,
  ) {}

  /**
   * The projects `userId` is a member of, oldest first, as JSON text (one JSON value from the
   * database: PGlite decodes rows slowly), kept in the read cache.
   */
  async listJsonFor(userId: string): Promise<JsonBody> {
    const read = async () => new JsonBody(await this.readList(userId));
    return this.cache ? this.cache.get(`projects:${userId}`, read, (body) => body.size) : read();
  }

  /** The projects `userId` is a member of, oldest first. */
  async listFor(userId: string): Promise<ProjectPublic[]> {
    return JSON.parse((await this.listJsonFor(userId)).text()) as ProjectPublic[];
  }

  private async readList(userId: string): Promise<string> {
    const [row] = await this.db.query<{ projects: string }>(
      `SELECT COALESCE(json_agg(json_build_object(
          'id', p.id, 'name', p.name, 'task', p.task, 'multiLabel', p.multi_label, 'ownerId', p.owner_id, 'role', m.role,
          'revision', p.revision, 'imageCount', p.image_count, 'createdAt', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        ) ORDER BY p.created_at, p.id), '[]')::text AS projects
       FROM project_members m JOIN projects p ON p.id = m.project_id WHERE m.user_id = $1`,
      [userId],
    );
    return row.projects;
  }

  /** One project as `userId` sees it; null when they are no member (or it does not exist). */
  async getFor(userId: string, projectId: string, q: Queryable = this.db): Promise<ProjectPublic | null> {
    const [row] = await q.query<ProjectRow>(`${SELECT_FOR_MEMBER} AND p.id = $2`, [userId, projectId]);
    return row ? toPublic(row) : null;
  }

  /** The caller's role in a project; null when they are no member. */
  async roleOf(userId: string, projectId: string): Promise<ProjectRole | null> {
    const read = async () => {
      const [row] = await this.db.query<{ role: ProjectRole }>('SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2', [projectId, userId]);
      return row?.role ?? null;
    };
    return this.cache ? this.cache.get(`role:${projectId}:${userId}`, read) : read();
  }

  /** Creates a project with its creator as owner. */
  async create(ownerId: string, project: { name: string; task: 'detect' | 'classify'; multiLabel: boolean }): Promise<ProjectPublic> {
    const id = crypto.randomUUID();
    return this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO projects (id, name, task, multi_label, owner_id) VALUES ($1, $2, $3, $4, $5)', [id, project.name, project.task, project.multiLabel, ownerId]);
      await tx.query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'owner')", [id, ownerId]);
      return (await this.getFor(ownerId, id, tx))!;
    });
  }

  async rename(projectId: string, name: string): Promise<void> {
    await this.db.query('UPDATE projects SET name = $2 WHERE id = $1', [projectId, name]);
  }

  /**
   * Deletes a project and all it holds. Answers every media and model-file hash it referenced:
   * SharedObjects.release deletes the bytes of those nothing else references, under their locks.
   */
  async delete(projectId: string): Promise<{ media: string[]; models: string[] }> {
    return this.db.transaction(async (tx) => {
      const media = await tx.query<{ hash: string }>('DELETE FROM project_media WHERE project_id = $1 RETURNING hash', [projectId]);
      const models = await tx.query<{ hash: string }>('SELECT DISTINCT file_hash AS hash FROM models WHERE project_id = $1 AND file_hash IS NOT NULL', [projectId]);
      await tx.query('DELETE FROM projects WHERE id = $1', [projectId]);
      return { media: media.map((r) => r.hash), models: models.map((r) => r.hash) };
    });
  }

  async members(projectId: string, q: Queryable = this.db): Promise<ProjectMember[]> {
    const rows = await q.query<{ user_id: string; email: string; name: string; role: ProjectRole }>(
      `SELECT m.user_id, u.email, u.name, m.role FROM project_members m JOIN users u ON u.id = m.user_id
       WHERE m.project_id = $1 ORDER BY u.email`,
      [projectId],
    );
    return rows.map((r) => ({ userId: r.user_id, email: r.email, name: r.name, role: r.role }));
  }

  /** Owners of a project, locked: the last owner cannot be removed by two requests racing. */
  async lockOwners(q: Queryable, projectId: string): Promise<string[]> {
    const rows = await q.query<{ user_id: string }>("SELECT user_id FROM project_members WHERE project_id = $1 AND role = 'owner' ORDER BY user_id FOR UPDATE", [projectId]);
    return rows.map((r) => r.user_id);
  }

  async setMember(q: Queryable, projectId: string, userId: string, role: ProjectRole): Promise<void> {
    await q.query(
      `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
      [projectId, userId, role],
    );
  }

  async removeMember(q: Queryable, projectId: string, userId: string): Promise<boolean> {
    const rows = await q.query('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 RETURNING user_id', [projectId, userId]);
    return rows.length > 0;
  }

  /** Projects where `userId` is the only owner (they would be left with none). */
  async soleOwnerOf(q: Queryable, userId: string): Promise<string[]> {
    const rows = await q.query<{ name: string }>(
      `SELECT p.name FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = $1 AND m.role = 'owner'
       WHERE NOT EXISTS (SELECT 1 FROM project_members o WHERE o.project_id = p.id AND o.role = 'owner' AND o.user_id <> $1)
       ORDER BY p.name`,
      [userId],
    );
    return rows.map((r) => r.name);
  }

  /** Hands `ownerId` of the projects a leaving user created to another owner. */
  async handOver(q: Queryable, userId: string): Promise<void> {
    await q.query(
      `UPDATE projects p SET owner_id = (
         SELECT o.user_id FROM project_members o WHERE o.project_id = p.id AND o.role = 'owner' AND o.user_id <> $1 ORDER BY o.user_id LIMIT 1)
       WHERE p.owner_id = $1`,
      [userId],
    );
  }
}
