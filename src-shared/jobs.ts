/**
 * Jobs: long work (import, export, runtime install, auto-label, sync, backup, restore, weights,
 * evaluation) that reports progress and ends with its kind's report. Above the domain files,
 * since a job's result is any of their reports.
 */
import type { ErrorPayload } from './errors.js';
import type { ExportReport, ImportReport } from './domain.js';
import type { RuntimeStatus } from './training.js';
import type { AutolabelReport } from './inference.js';
import type { SyncReport } from './team.js';
import type { BackupReport, RestoreReport } from './backup.js';
import type { EvaluationReport } from './evaluation.js';
import type { WeightsReport } from './weights.js';

export type JobKind = 'import' | 'export' | 'runtime' | 'autolabel' | 'push' | 'pull' | 'backup' | 'restore' | 'weights' | 'evaluate';

export interface JobProgress {
  jobId: string;
  kind: JobKind;
  phase: 'scanning' | 'working' | 'finishing';
  done: number;
  total: number;
  /** Import only: running tallies, so the UI can show them while it works. */
  imported?: number;
  duplicates?: number;
  failed?: number;
  current?: string;
}

export type JobResult =
  | { jobId: string; kind: 'import'; status: 'ok' | 'cancelled'; report: ImportReport }
  | { jobId: string; kind: 'export'; status: 'ok' | 'cancelled'; report: ExportReport }
  | { jobId: string; kind: 'runtime'; status: 'ok' | 'cancelled'; report: RuntimeStatus }
  | { jobId: string; kind: 'autolabel'; status: 'ok' | 'cancelled'; report: AutolabelReport }
  | { jobId: string; kind: 'push' | 'pull'; status: 'ok' | 'cancelled'; report: SyncReport }
  | { jobId: string; kind: 'backup'; status: 'ok' | 'cancelled'; report: BackupReport }
  | { jobId: string; kind: 'restore'; status: 'ok' | 'cancelled'; report: RestoreReport }
  | { jobId: string; kind: 'evaluate'; status: 'ok' | 'cancelled'; report: EvaluationReport }
  | { jobId: string; kind: 'weights'; status: 'ok' | 'cancelled'; report: WeightsReport }
  | { jobId: string; kind: JobKind; status: 'failed'; error: ErrorPayload };

export interface JobInfo {
  jobId: string;
  kind: JobKind;
  startedAt: string;
  progress: JobProgress | null;
}
