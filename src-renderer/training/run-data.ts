/**
 * Pure helpers over runs and their epochs: merging epoch records as they arrive, finding the
 * usual metrics under Ultralytics' names, telling active runs from finished ones, and the best
 * epoch so far.
 */
import type { EpochRecord, RunDetail, RunStatus, RunSummary } from '@shared';

export function isActive(status: RunStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** Stopped and interrupted runs continue from their last checkpoint. */
export function canResume(run: RunSummary): boolean {
  return (run.status === 'stopped' || run.status === 'interrupted') && run.resumable;
}

/**
 * Adds an epoch that just arrived. Epochs arrive in order, so the usual case is an append. An
 * epoch at or before the last one means the run went back to a checkpoint (a resume replays the
 * epoch a stop cut short): it replaces its namesake, and what came after it belonged to the
 * earlier attempt, so it goes too. Never mutates `log`.
 */
export function appendEpoch(log: readonly EpochRecord[], record: EpochRecord): EpochRecord[] {
  const n = log.length;
  if (n === 0 || log[n - 1].epoch < record.epoch) return [...log, record];
  const kept: EpochRecord[] = [];
  for (const e of log) {
    if (e.epoch >= record.epoch) break;
    kept.push(e);
  }
  kept.push(record);
  return kept;
}

/**
 * Merges a run's stored epoch log (from `training.get`) with epochs that arrived live while it
 * loaded: one record per epoch, the later one (by the runtime's clock) where both have it.
 */
export function mergeEpochLogs(stored: readonly EpochRecord[], live: readonly EpochRecord[]): EpochRecord[] {
  if (live.length === 0) return [...stored].sort((a, b) => a.epoch - b.epoch);
  const byEpoch = new Map<number, EpochRecord>();
  for (const e of stored) byEpoch.set(e.epoch, e);
  for (const e of live) {
    const known = byEpoch.get(e.epoch);
    if (!known || e.t >= known.t) byEpoch.set(e.epoch, e);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** `metrics/mAP50-95(B)` → `mAP50-95`; `train/box_loss` stays; `lr/pg0` → `pg0`. */
export function shortMetricName(key: string): string {
  return key
    .replace(/^metrics\//, '')
    .replace(/^lr\//, 'lr ')
    .replace(/\([A-Z]\)$/, '');
}

/** A metric by its short name (`mAP50`, `mAP50-95`, `precision`, `recall`), whatever the suffix. */
export function metricValue(metrics: Record<string, number | null> | null | undefined, name: string): number | null {
  if (!metrics) return null;
  for (const [key, value] of Object.entries(metrics)) {
    if (shortMetricName(key) === name) return value;
  }
  return null;
}

/** Runs newest first, by when they were created. */
export function sortRuns(runs: RunSummary[]): RunSummary[] {
  return runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
}

/** How far along a status is: an answer must not take a run back to an earlier one. */
export function statusRank(status: RunStatus): number {
  return status === 'queued' ? 0 : status === 'running' ? 1 : 2;
}

/** Ultralytics' fitness for detection: mostly mAP50-95, a little mAP50. */
function fitness(metrics: Record<string, number | null>): number | null {
  const m = metricValue(metrics, 'mAP50-95');
  if (m === null) return null;
  return 0.9 * m + 0.1 * (metricValue(metrics, 'mAP50') ?? 0);
}

/** Whether an epoch beats the run's best so far (the studio's own word comes with the next status). */
export function isBetterEpoch(epoch: EpochRecord, best: RunSummary['best']): boolean {
  const f = fitness(epoch.metrics);
  if (f === null) return false;
  if (!best) return true;
  const b = fitness(best.metrics);
  return b === null || f > b;
}

/** The summary part of a run's detail, as the list holds it. */
export function summaryOf(detail: RunDetail): RunSummary {
  const { id, name, status, model, epochs, epochsDone, device, createdAt, startedAt, endedAt, best, error, resumable } = detail;
  return { id, name, status, model, epochs, epochsDone, device, createdAt, startedAt, endedAt, best, error, resumable };
}
