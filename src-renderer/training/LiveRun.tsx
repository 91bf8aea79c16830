/**
 * The run in view: its status, epoch N of M, the batches of the epoch under way, ETA and time
 * so far (counted down between epochs), the latest metrics, and Stop or Resume.
 */
import { useEffect, useState } from 'react';
import type { EpochRecord, RunSummary, TrainingProgress } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction } from '../ui/stores-context.js';
import { useTraining, useTrainingStore } from './context.js';
import { formatDuration, formatMetric, runSeconds, STATUS_LABELS } from './format.js';
import { canResume, isActive, metricValue } from './run-data.js';
import { focusedRun } from './training-view-slice.js';

/** Date.now(), once a second while `on`. */
export function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [on]);
  return now;
}

export function LiveRun() {
  const focusRunId = useTraining((s) => s.focusRunId);
  const run = useTraining((s) => focusedRun(s) ?? null);
  const log = useTraining((s) => (s.focusRunId ? s.epochLogs[s.focusRunId] : undefined));
  const receivedAt = useTraining((s) => (s.focusRunId ? s.epochReceivedAt[s.focusRunId] : undefined));
  const progress = useTraining((s) => (s.focusRunId ? s.progress[s.focusRunId] : undefined));
  const stopping = useTraining((s) => (s.focusRunId ? (s.stopping[s.focusRunId] ?? false) : false));
  const detailError = useTraining((s) => (s.focusRunId ? s.detailErrors[s.focusRunId] : undefined));
  const runsLoaded = useTraining((s) => s.runsLoaded);

  if (!focusRunId || !run) {
    return (
      <section className="panel live-run empty" data-testid="live-run">
        <p className="muted">{runsLoaded ? 'No runs yet. Fill in the form and press Train: the charts fill in live as it trains.' : 'Loading runs…'}</p>
      </section>
    );
  }
  return <RunStatusPanel run={run} log={log ?? []} receivedAt={receivedAt} progress={progress} stopping={stopping} detailError={detailError ?? null} />;
}

function RunStatusPanel({
  run,
  log,
  receivedAt,
  progress,
  stopping,
  detailError,
}: {
  run: RunSummary;
  log: EpochRecord[];
  receivedAt: number | undefined;
  progress: TrainingProgress | undefined;
  stopping: boolean;
  detailError: { code: string; message: string } | null;
}) {
  const store = useTrainingStore();
  const active = isActive(run.status);
  const now = useNow(run.status === 'running');
  const stop = useAction(() => store.getState().stop(run.id));
  const resume = useAction(() => store.getState().resume(run.id));
  const retry = useAction(() => store.getState().loadDetail(run.id));

  const last = log.length > 0 ? log[log.length - 1] : null;
  const total = progress?.epochs ?? last?.epochs ?? run.epochs;
  const done = Math.max(run.epochsDone, last && !last.partial ? last.epoch : 0);
  const current = run.status === 'running' ? (progress?.epoch ?? Math.min(total, done + 1)) : done;
  const sinceEpoch = receivedAt !== undefined && run.status === 'running' ? (now - receivedAt) / 1000 : 0;
  const elapsed = last?.elapsedSeconds != null ? last.elapsedSeconds + sinceEpoch : runSeconds(run.startedAt, run.endedAt, now);
  const eta = run.status === 'running' && last?.etaSeconds != null ? Math.max(0, last.etaSeconds - sinceEpoch) : null;
  const metrics = last?.metrics ?? null;

  return (
    <section className="panel live-run" aria-label="Run in view" data-testid="live-run" data-run-id={run.id} data-status={run.status}>
      <div className="live-header">
        <div className="live-title">
          <h2 data-testid="live-run-name">{run.name || run.id}</h2>
          <span className={`pill status-${run.status}`} data-testid="run-status">
            {stopping && active ? 'Stopping…' : STATUS_LABELS[run.status]}
          </span>
          <span className="muted small">
            {run.model}
            {run.device ? ` · ${run.device}` : ''}
          </span>
        </div>
        <div className="live-actions">
          {active && (
            <button type="button" className="danger-outline" onClick={() => void stop.run()} disabled={stopping || stop.pending} data-testid="stop-button">
              {stopping ? 'stopping…' : 'Stop'}
            </button>
          )}
          {canResume(run) && (
            <button type="button" className="primary" onClick={() => void resume.run()} disabled={resume.pending} data-testid="resume-button">
              {resume.pending ? 'Resuming…' : 'Resume'}
            </button>
          )}
        </div>
      </div>

      <dl className="live-figures">
        <div>
          <dt>Epoch</dt>
          <dd data-testid="live-epoch">
            {run.status === 'queued' ? '–' : current} / {total}
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd data-testid="live-elapsed">{formatDuration(elapsed)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd data-testid="live-eta">{run.status === 'running' ? formatDuration(eta) : '–'}</dd>
        </div>
        <div>
          <dt>mAP50</dt>
          <dd>{formatMetric(metricValue(metrics, 'mAP50'))}</dd>
        </div>
        <div>
          <dt>mAP50-95</dt>
          <dd data-testid="live-map">{formatMetric(metricValue(metrics, 'mAP50-95'))}</dd>
        </div>
        <div>
          <dt>Best</dt>
          <dd>{run.best ? `${formatMetric(metricValue(run.best.metrics, 'mAP50-95'))} (epoch ${run.best.epoch})` : '–'}</dd>
        </div>
      </dl>

      {active && (
        <div className="live-progress">
          <Bar label="Epochs done" done={done} total={total} testId="epochs-progress" />
          {run.status === 'running' && (
            <div className="batch-line">
              <Bar label={`Batches of epoch ${current}`} done={progress?.batch ?? 0} total={progress?.batches ?? 0} testId="batch-progress" />
              <span className="muted small" data-testid="batch-count">
                {progress ? `batch ${progress.batch} / ${progress.batches}` : 'starting the epoch…'}
              </span>
            </div>
          )}
          {run.status === 'queued' && <p className="muted small">Waiting to start: the dataset is frozen into a snapshot, then the runtime loads the model.</p>}
        </div>
      )}

      {run.status === 'failed' && run.error && (
        <div className="run-error" data-testid="run-error">
          <ErrorMessage error={run.error} testId="run-error-message" />
          {run.error.hint && <p className="small">{run.error.hint}</p>}
        </div>
      )}
      {run.status === 'interrupted' && <p className="small muted">The run was cut off (the studio or the runtime quit). {run.resumable ? 'Resume continues from its last checkpoint.' : 'It left no checkpoint to resume from.'}</p>}
      {run.status === 'stopped' && !run.resumable && <p className="small muted">This run cannot be resumed: it left no checkpoint.</p>}
      <ErrorMessage error={stop.error} testId="stop-error" onDismiss={stop.clear} />
      <ErrorMessage error={resume.error} testId="resume-error" onDismiss={resume.clear} />
      {detailError && (
        <div className="detail-error">
          <ErrorMessage error={detailError} testId="run-detail-error" />
          <button type="button" className="link-button" onClick={() => void retry.run()} disabled={retry.pending}>
            Try again
          </button>
        </div>
      )}
    </section>
  );
}

function Bar({ label, done, total, testId }: { label: string; done: number; total: number; testId: string }) {
  const indeterminate = total <= 0;
  return (
    <div className={`progress${indeterminate ? ' indeterminate' : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={indeterminate ? undefined : total} aria-valuenow={indeterminate ? undefined : done} data-testid={testId}>
      <div className="progress-fill" style={{ width: indeterminate ? undefined : `${Math.min(100, (100 * done) / total)}%` }} />
    </div>
  );
}
