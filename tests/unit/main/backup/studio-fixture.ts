/** A studio (the same composition as the app and `reticle serve`) driven through its typed API, for the backup tests. */
import { afterEach } from 'vitest';
import type { JobProgress, JobResult, StudioApi } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import type { SettingsStore } from '../../../../src-main/services/settings/settings-store.js';

const open: Studio[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
});

export interface BackupStudio {
  studio: Studio;
  api: StudioApi;
  /** Everything written to the studio's settings, as it would be stored. */
  settingsText(): string;
  /** Progress events of every job, in order. */
  progress: JobProgress[];
  /** Resolves with a job's result (events are collected from the start, so none is missed). */
  result(jobId: string): Promise<JobResult>;
}

export function backupStudio(): BackupStudio {
  const data = new Map<string, unknown>();
  const settings: SettingsStore = { get: <T>(k: string) => data.get(k) as T | undefined, set: (k, v) => void data.set(k, v) };
  const studio = createStudio({ mode: 'serve', settings });
  open.push(studio);
  const api = createDirectClient(studio.host);
  const progress: JobProgress[] = [];
  const results = new Map<string, JobResult>();
  const waiting = new Map<string, (r: JobResult) => void>();
  api.jobs.onProgress((p) => progress.push(p));
  api.jobs.onFinished((r) => {
    results.set(r.jobId, r);
    waiting.get(r.jobId)?.(r);
  });
  return {
    studio,
    api,
    settingsText: () => JSON.stringify(Object.fromEntries(data)),
    progress,
    result: (jobId) => new Promise((resolve) => (results.has(jobId) ? resolve(results.get(jobId)!) : waiting.set(jobId, resolve))),
  };
}

/** The report of a job that must have succeeded, with its failure shown otherwise. */
type ReportOf<K> = Extract<JobResult, { kind: K; status: 'ok' | 'cancelled' }> extends { report: infer R } ? R : never;

export function okReport<K extends 'backup' | 'restore'>(result: JobResult, kind: K): ReportOf<K> {
  if (result.status === 'failed') throw new Error(`the ${result.kind} job failed: ${result.error.code}: ${result.error.message}`);
  if (result.kind !== kind) throw new Error(`expected a ${kind} job, got ${result.kind}`);
  return (result as unknown as { report: ReportOf<K> }).report;
}
