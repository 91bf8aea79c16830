/**
 * The `runs`, `run_epochs` and `run_artifacts` tables (migration 3). Paths are stored relative to
 * the project folder and handed out absolute, so a project that moved keeps its runs.
 */
import path from 'node:path';
import { StudioError, type EpochRecord, type RunArtifact, type RunDetail, type RunResults, type RunStatus, type RunSummary, type TrainingSpec } from '@shared';
import { statementCache, writeTransaction, type Db } from './database.js';

export type RunError = NonNullable<RunSummary['error']>;
export type RunBest = NonNullable<RunSummary['best']>;
export type RunDataset = NonNullable<RunDetail['dataset']>;

/** A run as stored: the summary's fields plus what only main needs. */
export interface RunRecord extends RunSummary {
  spec: TrainingSpec;
  results: RunResults | null;
  dataset: RunDataset | null;
  /** The trainer process while it runs. */
  pid: number | null;
  /** The studio process supervising the run (queued or running). */
  ownerPid: number | null;
}

export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt' | 'spec'>>;

/** A run as it is first stored (queued). */
export type NewRun = Omit<RunRecord, 'epochsDone' | 'startedAt' | 'endedAt' | 'error' | 'best' | 'results' | 'pid'>;

interface RunRow {
  id: string;
  name: string;
  status: RunStatus;
  spec: string;
  model: string;
  epochs: number;
  epochs_done: number;
  device: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  best: string | null;
  results: string | null;
  resumable: number;
  dataset: string | null;
  pid: number | null;
  owner_pid: number | null;
}

/** Field → column, with how a value is written. */
const COLUMNS: Record<keyof RunPatch, { column: string; write: (v: never) => unknown }> = {
  name: { column: 'name', write: (v: string) => v },
  status: { column: 'status', write: (v: RunStatus) => v },
  model: { column: 'model', write: (v: string) => v },
  epochs: { column: 'epochs', write: (v: number) => v },
  epochsDone: { column: 'epochs_done', write: (v: number) => v },
  device: { column: 'device', write: (v: string | null) => v },
  startedAt: { column: 'started_at', write: (v: string | null) => v },
  endedAt: { column: 'ended_at', write: (v: string | null) => v },
  error: { column: 'error', write: (v: RunError | null) => json(v) },
  best: { column: 'best', write: (v: RunBest | null) => json(v) },
  results: { column: 'results', write: (v: RunResults | null) => json(v) },
  resumable: { column: 'resumable', write: (v: boolean) => (v ? 1 : 0) },
  dataset: { column: 'dataset', write: (v: RunDataset | null) => json(v) },
  pid: { column: 'pid', write: (v: number | null) => v },
  ownerPid: { column: 'owner_pid', write: (v: number | null) => v },
};

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export class RunRepository {
  private readonly stmt: ReturnType<typeof statementCache>;

  constructor(
    private readonly db: Db,
    /** The project folder: stored paths are relative to it. */
    private readonly root: string,
  ) {
    this.stmt = statementCache(db);
  }

  insert(run: NewRun): void {
    this.stmt(
      `INSERT INTO runs (id, name, status, spec, model, epochs, device, created_at, resumable, dataset, owner_pid)
       VALUES (@id, @name, @status, @spec, @model, @epochs, @device, @createdAt, @resumable, @dataset, @ownerPid)`,
    ).run({
      id: run.id,
      name: run.name,
      status: run.status,
      spec: JSON.stringify(run.spec),
      model: run.model,
      epochs: run.epochs,
      device: run.device,
      createdAt: run.createdAt,
      resumable: run.resumable ? 1 : 0,
      dataset: run.dataset ? JSON.stringify(this.relativeDataset(run.dataset)) : null,
      ownerPid: run.ownerPid,
    });
  }

  /** Runs `fn`'s writes as one transaction: all of them are stored, or (a full disk) none. */
  atomically<R>(fn: () => R): R {
    return writeTransaction(this.db, fn)();
  }

  exists(id: string): boolean {
    return this.stmt('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }

  /** The run, or a `not_found` error that names it. */
  get(id: string): RunRecord {
    const row = this.stmt('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new StudioError('not_found', `There is no run "${id}" in this project.`);
    return this.fromRow(row);
  }

  count(): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
  }

  /** Every run, newest first. */
  list(): RunRecord[] {
    return (this.stmt('SELECT * FROM runs ORDER BY created_at DESC, id DESC').all() as RunRow[]).map((r) => this.fromRow(r));
  }

  /** Runs a studio left queued or running. */
  unfinished(): RunRecord[] {
    return (this.stmt("SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY created_at, id").all() as RunRow[]).map((r) => this.fromRow(r));
  }

  update(id: string, patch: RunPatch): RunRecord {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch) as [keyof RunPatch, never][]) {
      if (value === undefined) continue;
      const { column, write } = COLUMNS[key];
      sets.push(`${column} = ?`);
      // Dataset paths are stored relative to the project, like every other path.
      values.push(write(key === 'dataset' && value !== null ? (this.relativeDataset(value as RunDataset) as never) : value));
    }
    if (sets.length > 0) this.stmt(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    return this.get(id);
  }

  /** Stores an epoch; a resumed run reporting the same epoch again replaces it. */
  putEpoch(id: string, record: EpochRecord): void {
    this.stmt('INSERT INTO run_epochs (run_id, epoch, record) VALUES (?, ?, ?) ON CONFLICT (run_id, epoch) DO UPDATE SET record = excluded.record').run(
      id,
      record.epoch,
      JSON.stringify(record),
    );
  }

  epochs(id: string): EpochRecord[] {
    return (this.stmt('SELECT record FROM run_epochs WHERE run_id = ? ORDER BY epoch').all(id) as { record: string }[]).map((r) => JSON.parse(r.record) as EpochRecord);
  }

  putArtifact(id: string, artifact: RunArtifact): void {
    this.stmt('INSERT INTO run_artifacts (run_id, kind, path, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, bytes = excluded.bytes').run(
      id,
      artifact.kind,
      this.relative(artifact.path),
      artifact.bytes,
    );
  }

  artifacts(id: string): RunArtifact[] {
    return (this.stmt('SELECT kind, path, bytes FROM run_artifacts WHERE run_id = ? ORDER BY kind, path').all(id) as RunArtifact[]).map((a) => ({ ...a, path: this.absolute(a.path) }));
  }

  setLogTail(id: string, lines: readonly string[]): void {
    this.stmt('UPDATE runs SET log_tail = ? WHERE id = ?').run(JSON.stringify(lines), id);
  }

  logTail(id: string): string[] {
    const row = this.stmt('SELECT log_tail FROM runs WHERE id = ?').get(id) as { log_tail: string } | undefined;
    return row ? (JSON.parse(row.log_tail) as string[]) : [];
  }

  detail(id: string): RunDetail {
    const run = this.get(id);
    const { pid: _pid, ownerPid: _owner, ...rest } = run;
    return { ...rest, epochLog: this.epochs(id), logTail: this.logTail(id), artifacts: this.artifacts(id) };
  }

  private fromRow(row: RunRow): RunRecord {
    const dataset = row.dataset ? (JSON.parse(row.dataset) as RunDataset) : null;
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      model: row.model,
      epochs: row.epochs,
      epochsDone: row.epochs_done,
      device: row.device,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      best: row.best ? (JSON.parse(row.best) as RunBest) : null,
      error: row.error ? (JSON.parse(row.error) as RunError) : null,
      resumable: row.resumable === 1,
      spec: JSON.parse(row.spec) as TrainingSpec,
      results: row.results ? (JSON.parse(row.results) as RunResults) : null,
      dataset: dataset ? { ...dataset, dir: this.absolute(dataset.dir) } : null,
      pid: row.pid,
      ownerPid: row.owner_pid,
    };
  }

  private relativeDataset(dataset: RunDataset): RunDataset {
    return { ...dataset, dir: this.relative(dataset.dir) };
  }

  private relative(p: string): string {
    const rel = path.relative(this.root, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel.split(path.sep).join('/');
  }

  private absolute(p: string): string {
    return path.isAbsolute(p) ? p : path.join(this.root, ...p.split('/'));
  }
}
