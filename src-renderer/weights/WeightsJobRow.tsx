/**
 * A weights job under way (a fetch by name with its bytes and percent, or an add) with Cancel,
 * and what a finished one did: the files it added, each file refused with why, or its error.
 */
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { ProgressBar } from '../ui/ProgressBar.js';
import { formatBytes } from '../ui/format.js';
import { useAction, useStores } from '../ui/stores-context.js';
import { fetchProgressLabel } from './weights-format.js';
import type { WeightsJob, WeightsJobTarget, WeightsOutcome } from './weights-store.js';

function jobTitle(target: WeightsJobTarget, current?: string): string {
  if (target?.kind === 'pull') return `Downloading ${target.name}`;
  if (target?.kind === 'add') return `Adding ${target.path}`;
  return current ? `Weights: ${current}` : 'Weights';
}

export function WeightsJobRow({ job }: { job: WeightsJob }) {
  const { weights } = useStores();
  const cancel = useAction(() => weights.getState().cancel(job.jobId));
  const p = job.progress;
  const title = jobTitle(job.target, p?.current);
  const pull = job.target?.kind !== 'add';
  return (
    <div className="job" data-testid="weights-job" data-job-id={job.jobId} data-name={job.target?.kind === 'pull' ? job.target.name : undefined}>
      <div className="job-line">
        <strong className="wrap">{title}</strong>
        <span className="job-counts" data-testid="weights-job-progress">
          {pull ? fetchProgressLabel(p) : p ? `${p.done.toLocaleString()} / ${p.total.toLocaleString()}` : 'Starting…'}
        </span>
        <button type="button" onClick={() => void cancel.run()} disabled={cancel.pending || job.cancelling} data-testid="weights-job-cancel">
          {job.cancelling ? 'Cancelling…' : 'Cancel'}
        </button>
      </div>
      <ProgressBar done={p?.done ?? 0} total={p?.total ?? 0} label={`${title} progress`} />
      {p?.current && !pull && <div className="job-current muted small" title={p.current}>{p.current}</div>}
      <ErrorMessage error={cancel.error} testId="weights-job-cancel-error" onDismiss={cancel.clear} />
    </div>
  );
}

export function WeightsOutcomeLine({ outcome, onDismiss }: { outcome: WeightsOutcome; onDismiss?: () => void }) {
  const title = jobTitle(outcome.target);
  const report = outcome.report;
  return (
    <div className={`report${outcome.status === 'failed' || (report && report.refused.length > 0) ? ' report-failed' : ''}`} data-testid="weights-outcome" data-status={outcome.status}>
      <div className="job-line">
        <span className="wrap">
          {outcome.status === 'failed' && <strong>{title} failed.</strong>}
          {outcome.status === 'cancelled' && <strong>{title}: cancelled.</strong>}
          {outcome.status === 'ok' && report && report.added.length > 0 && (
            <>
              <strong>Added to the library:</strong> {report.added.map((e) => `${e.name} (${formatBytes(e.bytes)})`).join(', ')}
            </>
          )}
          {outcome.status === 'ok' && report && report.added.length === 0 && <strong>{title}: nothing was added.</strong>}
        </span>
        {onDismiss && (
          <button type="button" className="link-button" onClick={onDismiss} data-testid="weights-outcome-dismiss">
            Dismiss
          </button>
        )}
      </div>
      {outcome.status === 'cancelled' ? (
        outcome.error && <p className="muted small">{outcome.error.message}</p>
      ) : (
        <ErrorMessage error={outcome.error} testId="weights-outcome-error" />
      )}
      {report && report.refused.length > 0 && (
        <ul className="small" data-testid="weights-refused">
          {report.refused.map((r) => (
            <li key={r.path}>
              <code>{r.path}</code>: {r.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
