/** Running jobs with their progress and a Cancel button, the upload before an import, and the reports of finished imports. */
import type { ImportReport, JobResult } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { formatBytes } from './format.js';
import { ProgressBar } from './ProgressBar.js';
import type { RunningJob } from '../stores/jobs-store.js';
import { useAction, useSlice, useStores } from './stores-context.js';
import { OutsideFilesQuestion } from '../import/OutsideFilesQuestion.js';

export function JobsPanel() {
  const { jobs } = useStores();
  const running = useSlice(jobs, (s) => s.running);
  const results = useSlice(jobs, (s) => s.results);
  const upload = useSlice(jobs, (s) => s.upload);

  if (running.length === 0 && results.length === 0 && !upload) return null;
  return (
    <section className="jobs" aria-label="Jobs">
      {upload && (
        <div className="job" data-testid="upload-progress">
          <div className="job-line">
            <strong>{upload.cancelling ? 'Cancelling upload…' : 'Uploading'}</strong>
            <span className="muted">
              {upload.progress.filesDone} / {upload.progress.filesTotal} files · {formatBytes(upload.progress.bytesDone)} of {formatBytes(upload.progress.bytesTotal)}
            </span>
            <button type="button" onClick={() => jobs.getState().cancelUpload()} disabled={upload.cancelling} data-testid="upload-cancel">
              Cancel
            </button>
          </div>
          <ProgressBar done={upload.progress.bytesDone} total={upload.progress.bytesTotal} label="Upload progress" />
        </div>
      )}
      {/* Runtime installs are shown, with their output, on the training page; weights on the Weights tab and the training form. */}
      {running
        .filter((job) => !OWN_PAGE_JOBS.has(job.kind))
        .map((job) => (
          <RunningJobRow key={job.jobId} job={job} />
        ))}
      {results
        .filter((result) => !OWN_PAGE_JOBS.has(result.kind))
        .map((result) =>
          result.kind === 'import' ? <ImportResultPanel key={result.jobId} result={result} /> : <ExportResultLine key={result.jobId} result={result} />,
        )}
    </section>
  );
}

/** Jobs whose progress and outcome another page shows. */
const OWN_PAGE_JOBS = new Set<RunningJob['kind']>(['runtime', 'weights']);
const PHASES = { scanning: 'Looking for files', working: 'Working', finishing: 'Finishing' } as const;
/** Jobs whose progress counts bytes (transfers), not files. */
const BYTE_JOBS = new Set<RunningJob['kind']>(['backup', 'restore', 'weights']);
const FAILED_TITLES: Record<RunningJob['kind'], string> = {
  import: 'The import failed:',
  export: 'The export failed:',
  runtime: 'Setting up the runtime failed:',
  autolabel: 'Auto-label failed:',
  push: 'The push failed:',
  pull: 'The pull failed:',
  backup: 'The backup failed:',
  restore: 'The restore failed:',
  weights: 'Fetching or adding weights failed:',
  evaluate: 'The evaluation failed:',
};
const JOB_TITLES: Record<RunningJob['kind'], string> = { import: 'Importing', export: 'Exporting', runtime: 'Setting up the runtime', autolabel: 'Auto-labeling', push: 'Pushing to the team server', pull: 'Pulling from the team server', backup: 'Backing up to S3', restore: 'Restoring from S3', weights: 'Fetching weights', evaluate: 'Evaluating' };

export function RunningJobRow({ job }: { job: RunningJob }) {
  const { jobs } = useStores();
  const cancel = useAction(() => jobs.getState().cancel(job.jobId));
  const p = job.progress;
  const title = JOB_TITLES[job.kind];
  return (
    <div className="job" data-testid={`job-${job.kind}`} data-job-id={job.jobId}>
      <div className="job-line">
        <strong>{title}</strong>
        <span className="muted">{p ? PHASES[p.phase] : 'Starting…'}</span>
        {p && (
          <span className="job-counts" data-testid="job-counts">
            {BYTE_JOBS.has(job.kind) ? `${formatBytes(p.done)} / ${formatBytes(p.total)}` : `${p.done.toLocaleString()} / ${p.total.toLocaleString()}`}
            {p.imported !== undefined && <> · {p.imported.toLocaleString()} imported</>}
            {p.duplicates !== undefined && <> · {p.duplicates.toLocaleString()} duplicates</>}
            {p.failed !== undefined && <> · {p.failed.toLocaleString()} failed</>}
          </span>
        )}
        <button type="button" onClick={() => void cancel.run()} disabled={cancel.pending} data-testid="job-cancel">
          Cancel
        </button>
      </div>
      <ProgressBar done={p?.done ?? 0} total={p?.total ?? 0} label={`${title} progress`} />
      {p?.current && <div className="job-current muted small" title={p.current}>{p.current}</div>}
      <ErrorMessage error={cancel.error} testId="job-cancel-error" onDismiss={cancel.clear} />
    </div>
  );
}

/** Exports report in their dialog; this line stays for when the dialog was closed meanwhile. */
function ExportResultLine({ result }: { result: JobResult }) {
  const { jobs } = useStores();
  return (
    <div className={`report${result.status === 'failed' ? ' report-failed' : ''}`} data-testid="export-result">
      <div className="job-line">
        {result.status === 'failed' ? (
          <span>
            <strong>{FAILED_TITLES[result.kind]}</strong> {result.error.message}
          </span>
        ) : result.kind === 'export' ? (
          <span>
            <strong>{result.status === 'cancelled' ? 'Export cancelled' : 'Exported'}</strong> {result.report.images} images to <code>{result.report.outDir}</code>
          </span>
        ) : result.kind === 'autolabel' ? (
          <span>
            <strong>{result.status === 'cancelled' ? 'Auto-label cancelled' : 'Auto-labeled'}</strong> {result.report.images} images: {result.report.suggestions} suggestions to review
          </span>
        ) : result.kind === 'push' || result.kind === 'pull' ? (
          <span>
            <strong>{result.status === 'cancelled' ? `${result.kind === 'push' ? 'Push' : 'Pull'} cancelled` : result.kind === 'push' ? 'Pushed' : 'Pulled'}</strong>{' '}
            {result.kind === 'push' ? `${result.report.imagesSent} images` : `${result.report.imagesReceived} images`}
            {result.report.conflicts > 0 && `; ${result.report.conflicts} conflicts to resolve in the Team tab`}
          </span>
        ) : result.kind === 'backup' ? (
          <span>
            <strong>{result.status === 'cancelled' ? 'Backup cancelled' : 'Backed up'}</strong> {result.report.objectsUploaded} new files ({formatBytes(result.report.bytesUploaded)}) to <code>{result.report.location}</code>
          </span>
        ) : result.kind === 'restore' ? (
          <span>
            <strong>{result.status === 'cancelled' ? 'Restore cancelled' : 'Restored'}</strong> {result.report.images} images to <code>{result.report.dir}</code>
          </span>
        ) : result.kind === 'evaluate' ? (
          <span>
            <strong>{result.status === 'cancelled' ? 'Evaluation cancelled' : 'Evaluated'}</strong> on {result.report.images} images: {result.report.findings} likely label errors, on the Evaluation tab
          </span>
        ) : null}
        <button type="button" className="link-button" onClick={() => jobs.getState().dismiss(result.jobId)}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

function ImportResultPanel({ result }: { result: JobResult }) {
  const { jobs } = useStores();
  const dismiss = () => jobs.getState().dismiss(result.jobId);
  if (result.status === 'failed') {
    return (
      <div className="report report-failed" data-testid="import-report" data-status="failed">
        <div className="job-line">
          <strong>The import failed</strong>
          <button type="button" className="link-button" onClick={dismiss} aria-label="Dismiss">
            Dismiss
          </button>
        </div>
        <ErrorMessage error={result.error} testId="import-report-error" />
      </div>
    );
  }
  if (result.kind !== 'import') return null;
  const report: ImportReport = result.report;
  return (
    <div className="report" data-testid="import-report" data-status={result.status}>
      <div className="job-line">
        <strong>{result.status === 'cancelled' ? 'Import cancelled' : 'Import finished'}</strong>
        <span className="muted">
          {report.format} · {(report.durationMs / 1000).toFixed(1)} s
        </span>
        <button type="button" className="link-button" onClick={dismiss} data-testid="import-report-dismiss">
          Dismiss
        </button>
      </div>
      <dl className="report-figures">
        <div>
          <dt>Imported</dt>
          <dd data-testid="report-imported">{report.imported}</dd>
        </div>
        <div>
          <dt>Duplicates</dt>
          <dd data-testid="report-duplicates">{report.duplicates}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd data-testid="report-skipped">{report.skipped}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="report-failed">{report.failed.length}</dd>
        </div>
        {report.annotations > 0 && (
          <div>
            <dt>Annotations</dt>
            <dd data-testid="report-annotations">{report.annotations}</dd>
          </div>
        )}
      </dl>
      {report.classesCreated.length > 0 && <p className="small">New classes: {report.classesCreated.join(', ')}</p>}
      <OutsideFilesQuestion jobId={result.jobId} outside={report.outside ?? 0} />
      {report.failed.length > 0 && (
        <table className="failures" data-testid="report-failures">
          <caption className="visually-hidden">Files that could not be imported</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {report.failed.slice(0, 500).map((f, i) => (
              <tr key={`${i}:${f.path}`} data-testid="report-failure">
                <td className="wrap">{f.path}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.failed.length > 500 && <p className="muted small">and {report.failed.length - 500} more.</p>}
    </div>
  );
}
