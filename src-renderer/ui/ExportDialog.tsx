/** Writes the dataset out (YOLO or COCO for detection, class folders for classification) and shows the report. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ExportFormat, ExportReport } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { RunningJobRow } from './JobsPanel.js';
import { useAction, useSlice, useStores } from './stores-context.js';
import { FolderInput } from './FolderInput.js';

const FORMAT_LABELS: Record<ExportFormat, string> = { yolo: 'YOLO (Ultralytics)', coco: 'COCO JSON', folders: 'Class folders' };

/** Parses the three ratio fields; an error message when they are not numbers adding up to 1. */
export function parseSplit(values: readonly string[]): { split: [number, number, number] } | { error: string } {
  const numbers = values.map((v) => Number(v.trim()));
  if (numbers.some((n, i) => values[i].trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)) return { error: 'Each split ratio is a number from 0 to 1.' };
  const sum = numbers[0] + numbers[1] + numbers[2];
  if (Math.abs(sum - 1) > 1e-6) return { error: `The split ratios add up to ${Number(sum.toFixed(4))}; they must add up to 1.` };
  return { split: [numbers[0], numbers[1], numbers[2]] };
}

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { project, jobs } = useStores();
  const task = useSlice(project, (s) => s.project?.task ?? 'detect');
  const formats: ExportFormat[] = task === 'detect' ? ['yolo', 'coco'] : ['folders'];
  const [format, setFormat] = useState<ExportFormat>(formats[0]);
  const [outDir, setOutDir] = useState('');
  const [ratios, setRatios] = useState(['0.8', '0.1', '0.1']);
  const [seed, setSeed] = useState('0');
  const [overwrite, setOverwrite] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const running = useSlice(jobs, (s) => (jobId ? s.running.find((j) => j.jobId === jobId) : undefined));
  const result = useSlice(jobs, (s) => (jobId ? s.results.find((r) => r.jobId === jobId) : undefined));
  const dialog = useRef<HTMLDivElement>(null);

  const start = useAction(async () => {
    const parsed = parseSplit(ratios);
    if ('error' in parsed) {
      setFormError(parsed.error);
      return;
    }
    const seedNumber = Number(seed);
    if (!Number.isInteger(seedNumber) || seedNumber < 0) {
      setFormError('The seed is a whole number, 0 or more.');
      return;
    }
    setFormError(null);
    setJobId(await jobs.getState().startExport({ format, outDir: outDir.trim(), split: parsed.split, seed: seedNumber, overwrite }));
  });
  const choose = useAction(async () => {
    const dir = await project.getState().pickDirectory('Export to folder');
    if (dir) setOutDir(dir);
  });

  useEffect(() => {
    dialog.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void start.run();
  };
  const busy = start.pending || (jobId !== null && !result);

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" ref={dialog} tabIndex={-1}>
        <header className="modal-header">
          <h2 id="export-title">Export dataset</h2>
          <button type="button" className="link-button" onClick={onClose} aria-label="Close" data-testid="export-close">
            ✕
          </button>
        </header>
        <form className="form" onSubmit={submit}>
          <label className="field">
            <span>Format</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="export-format" disabled={busy}>
              {formats.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Output folder</span>
            <FolderInput value={outDir} onChange={setOutDir} placeholder="/home/me/exports/forklifts" testId="export-dir" onChoose={() => void choose.run()} choosing={choose.pending} disabled={busy} />
          </label>
          <fieldset className="field">
            <legend>Split (train / val / test)</legend>
            <div className="split-row">
              {(['train', 'val', 'test'] as const).map((name, i) => (
                <label key={name} className="split-field">
                  <span>{name}</span>
                  <input
                    type="number"
                    min={0}
                    max={1}
                    step={0.05}
                    value={ratios[i]}
                    onChange={(e) => setRatios(ratios.map((r, k) => (k === i ? e.target.value : r)))}
                    data-testid={`export-split-${name}`}
                    disabled={busy}
                  />
                </label>
              ))}
              <label className="split-field">
                <span>seed</span>
                <input type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="export-seed" disabled={busy} />
              </label>
            </div>
            <small className="muted">The same seed gives the same split.</small>
          </fieldset>
          <label className="checkbox">
            <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="export-overwrite" disabled={busy} />
            Write into the folder even if it is not empty
          </label>
          {formError && (
            <div className="error-message" role="alert" data-testid="export-form-error">
              {formError}
            </div>
          )}
          <ErrorMessage error={start.error ?? choose.error} testId="export-error" />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy} data-testid="export-start">
              {busy ? 'Exporting…' : 'Export'}
            </button>
          </div>
        </form>
        {running && <RunningJobRow job={running} />}
        {result && result.status === 'failed' && <ErrorMessage error={result.error} testId="export-failed" />}
        {result && result.status !== 'failed' && result.kind === 'export' && <ExportReportView report={result.report} cancelled={result.status === 'cancelled'} />}
      </div>
    </div>
  );
}

function ExportReportView({ report, cancelled }: { report: ExportReport; cancelled: boolean }) {
  return (
    <div className="report" data-testid="export-report">
      <strong>{cancelled ? 'Export cancelled' : 'Export finished'}</strong>
      <dl className="report-figures">
        <div>
          <dt>Images</dt>
          <dd data-testid="export-report-images">{report.images}</dd>
        </div>
        <div>
          <dt>Annotations</dt>
          <dd>{report.annotations}</dd>
        </div>
        <div>
          <dt>Train / val / test</dt>
          <dd>
            {report.perSplit.train} / {report.perSplit.val} / {report.perSplit.test}
          </dd>
        </div>
        <div>
          <dt>Left out (unlabeled)</dt>
          <dd>{report.skippedUnlabeled}</dd>
        </div>
      </dl>
      <p className="small wrap">
        Written to <code>{report.outDir}</code> in {(report.durationMs / 1000).toFixed(1)} s.
      </p>
    </div>
  );
}
