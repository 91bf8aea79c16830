import crypto from 'node:crypto';
import type { TrainingConfigBody, TrainingConfigPublic, TrainingSessionPublic, TrainingSessionUpdateBody } from '@shared';
import type { Database } from '../db/database.js';
import { badRequest, conflict, notFound } from '../http-error.js';
import { iso } from './rows.js';

type StoredConfig = Omit<TrainingConfigBody, 'name'>;

const FINAL = new Set(['completed', 'failed', 'stopped']);

const toConfig = (r: Record<string, unknown>): TrainingConfigPublic => {
  const c = r.config as StoredConfig;
  return {
    id: String(r.id),
    projectId: String(r.project_id),
    name: String(r.name),
    model: c.model,
    epochs: c.epochs,
    imgsz: c.imgsz,
    batch: c.batch,
    hyperparameters: c.hyperparameters ?? {},
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
};

const toSession = (r: Record<string, unknown>): TrainingSessionPublic => ({
  id: String(r.id),
  projectId: String(r.project_id),
  configId: r.config_id === null ? null : String(r.config_id),
  configName: String(r.config_name),
  config: r.config as StoredConfig & { hyperparameters: Record<string, string | number | boolean> },
  status: r.status as TrainingSessionPublic['status'],
  epoch: Number(r.epoch),
  epochs: Number(r.epochs),
  metrics: (r.metrics ?? {}) as Record<string, number | null>,
  results: (r.results ?? null) as TrainingSessionPublic['results'],
  message: r.message === null ? null : String(r.message),
  createdBy: String(r.created_by),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/**
 * Training configurations and the sessions studios report into. The server trains nothing: a
 * studio that trains opens a session from a configuration and PATCHes its progress and results.
 */
export class TrainingRepository {
  constructor(private readonly db: Database) {}

  /** Saves a configuration by name: a new name adds one, an existing name replaces it. */
  async configure(projectId: string, body: TrainingConfigBody, by: string): Promise<{ config: TrainingConfigPublic; created: boolean }> {
    const { name, ...config } = body;
    const [row] = await this.db.query(
      `INSERT INTO training_configs (id, project_id, name, config, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (project_id, name) DO UPDATE SET config = EXCLUDED.config, updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [crypto.randomUUID(), projectId, name, JSON.stringify(config), by],
    );
    return { config: toConfig(row), created: Boolean(row.created) };
  }

  async configs(projectId: string): Promise<TrainingConfigPublic[]> {
    return (await this.db.query('SELECT * FROM training_configs WHERE project_id = $1 ORDER BY name', [projectId])).map(toConfig);
  }

  /** Opens a queued session from a configuration of the same project. */
  async createSession(projectId: string, configId: string, by: string): Promise<TrainingSessionPublic> {
    const [config] = await this.db.query('SELECT * FROM training_configs WHERE id = $1 AND project_id = $2', [configId, projectId]);
    if (!config) throw notFound('This project has no training configuration with that id.');
    const snapshot = config.config as StoredConfig;
    const [row] = await this.db.query(
      `INSERT INTO training_sessions (id, project_id, config_id, config_name, config, status, epochs, created_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, 'queued', $6, $7) RETURNING *`,
      [crypto.randomUUID(), projectId, configId, config.name, JSON.stringify(snapshot), snapshot.epochs, by],
    );
    return toSession(row);
  }

  async sessions(projectId: string): Promise<TrainingSessionPublic[]> {
    return (await this.db.query('SELECT * FROM training_sessions WHERE project_id = $1 ORDER BY created_at DESC, id LIMIT 500', [projectId])).map(toSession);
  }

  async session(projectId: string, sessionId: string): Promise<TrainingSessionPublic> {
    const [row] = await this.db.query('SELECT * FROM training_sessions WHERE id = $1 AND project_id = $2', [sessionId, projectId]);
    if (!row) throw notFound('This project has no training session with that id.');
    return toSession(row);
  }

  /** A studio's report. A finished session (completed, failed, stopped) takes no more. */
  async report(projectId: string, sessionId: string, report: TrainingSessionUpdateBody): Promise<TrainingSessionPublic> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query('SELECT * FROM training_sessions WHERE id = $1 AND project_id = $2 FOR UPDATE', [sessionId, projectId]);
      if (!row) throw notFound('This project has no training session with that id.');
      if (FINAL.has(String(row.status))) throw conflict(`This session has ${row.status}: open a new session for another run.`);
      if (report.epoch !== undefined && report.epoch > Number(row.epochs)) throw badRequest(`epoch ${report.epoch} is past the session's ${row.epochs} epochs.`);
      const [updated] = await tx.query(
        `UPDATE training_sessions SET status = COALESCE($3, status), epoch = COALESCE($4, epoch), metrics = COALESCE($5::jsonb, metrics),
           results = COALESCE($6::jsonb, results), message = COALESCE($7, message), updated_at = now()
         WHERE id = $1 AND project_id = $2 RETURNING *`,
        [
          sessionId,
          projectId,
          report.status ?? null,
          report.epoch ?? null,
          report.metrics ? JSON.stringify(report.metrics) : null,
          report.results ? JSON.stringify(report.results) : null,
          report.message ?? null,
        ],
      );
      return toSession(updated);
    });
  }
}
