/**
 * A finished run: its best epoch and final metrics, AP per class, the confusion matrix, what it
 * wrote (weights, results) and the export of its model; the log tail for when it went wrong.
 */
import { useState } from 'react';
import { MODEL_EXPORT_FORMATS, runArtifactUrl, type ModelExportFormat, type RunArtifact, type RunDetail } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { formatBytes } from '../ui/format.js';
import { useAction, useStores } from '../ui/stores-context.js';
import { ConfusionMatrix } from './ConfusionMatrix.js';
import { useTraining, useTrainingStore } from './context.js';
import { formatMetric, formatValue } from './format.js';
import { isActive, metricValue, shortMetricName } from './run-data.js';
import { focusedRun } from './training-view-slice.js';

const ARTIFACT_LABELS: Record<string, string> = {
  best: 'Best weights',
  last: 'Last weights',
  results: 'Results (CSV)',
  onnx: 'ONNX',
  torchscript: 'TorchScript',
  openvino: 'OpenVINO',
  coreml: 'Core ML',
  tflite: 'TensorFlow Lite',
  engine: 'TensorRT engine',
};

export function RunResults() {
  const detail = useTraining((s) => (s.focusRunId ? s.details[s.focusRunId] : undefined));
  const run = useTraining(focusedRun);
  const loading = useTraining((s) => (s.focusRunId ? (s.detailLoading[s.focusRunId] ?? false) : false));
  if (!detail || !run || isActive(run.status)) return null;
  return <ResultsPanel detail={detail} loading={loading} />;
}

function ResultsPanel({ detail, loading }: { detail: RunDetail; loading: boolean }) {
  const results = detail.results;
  const bestMetrics = results?.metrics ?? detail.best?.metrics ?? null;
  const headline = ['mAP50', 'mAP50-95', 'precision', 'recall'];
  const others = bestMetrics ? Object.entries(bestMetrics).filter(([k]) => !headline.includes(shortMetricName(k))) : [];

  return (
    <section className="panel run-results" aria-label="Results" data-testid="run-results" data-run-id={detail.id}>
      <div className="section-header">
        <h2>Results</h2>
        {loading && <span className="muted small">updating…</span>}
        {detail.best && (
          <span className="muted small" data-testid="best-epoch">
            best epoch {detail.best.epoch} of {detail.epochsDone}
          </span>
        )}
        {results?.stoppedEarly && <span className="pill">stopped early: no improvement for the patience</span>}
        {results?.stoppedByUser && <span className="pill">stopped by you</span>}
      </div>

      {bestMetrics && (
        <dl className="result-figures" data-testid="result-metrics">
          {headline.map((name) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{formatMetric(metricValue(bestMetrics, name))}</dd>
            </div>
          ))}
          {others.map(([key, value]) => (
            <div key={key}>
              <dt>{shortMetricName(key)}</dt>
              <dd>{formatValue(value)}</dd>
            </div>
          ))}
        </dl>
      )}
      {!results && detail.status !== 'failed' && <p className="muted small">This run has no final validation (it ended before one ran).</p>}

      {results && results.perClass.length > 0 && <PerClassTable perClass={results.perClass} />}
      {results?.confusion && <ConfusionMatrix names={results.confusion.names} matrix={results.confusion.matrix} />}
      {results && !results.confusion && results.perClass.length > 0 && <p className="muted small">No confusion matrix for this run (none is kept above 300 classes).</p>}

      {detail.dataset && (
        <p className="muted small" data-testid="run-dataset">
          Trained on {detail.dataset.images.toLocaleString()} images (train {detail.dataset.perSplit.train ?? 0}, val {detail.dataset.perSplit.val ?? 0}, test {detail.dataset.perSplit.test ?? 0}), {detail.dataset.classes.length} classes.
        </p>
      )}

      <Artifacts detail={detail} />
      <ExportModel detail={detail} />

      {detail.logTail.length > 0 && (
        <details className="log-tail" open={detail.status === 'failed'} data-testid="log-tail">
          <summary>Log (last {detail.logTail.length} lines)</summary>
          <pre>{detail.logTail.join('\n')}</pre>
        </details>
      )}
    </section>
  );
}

type PerClass = NonNullable<RunDetail['results']>['perClass'];
type SortKey = 'class' | 'instances' | 'precision' | 'recall' | 'ap50' | 'ap50_95';

function PerClassTable({ perClass }: { perClass: PerClass }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'class', desc: false });
  const rows = [...perClass].sort((a, b) => {
    if (sort.key === 'class') return sort.desc ? b.index - a.index : a.index - b.index;
    const va = a[sort.key] ?? -1;
    const vb = b[sort.key] ?? -1;
    return sort.desc ? vb - va : va - vb;
  });
  const header = (key: SortKey, label: string, numeric = true) => (
    <th scope="col" className={numeric ? 'num' : undefined} aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="th-button" onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== 'class' }))}>
        {label}
        {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
      </button>
    </th>
  );
  return (
    <div className="table-scroll per-class">
      <table className="results-table" data-testid="per-class-table">
        <caption>Per class (validation set)</caption>
        <thead>
          <tr>
            {header('class', 'Class', false)}
            {header('instances', 'Instances')}
            {header('precision', 'Precision')}
            {header('recall', 'Recall')}
            {header('ap50', 'AP50')}
            {header('ap50_95', 'AP50-95')}
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.index} data-testid="per-class-row" data-class={c.class}>
              <th scope="row">{c.class}</th>
              <td className="num">{c.instances ?? '–'}</td>
              <td className="num">{formatMetric(c.precision)}</td>
              <td className="num">{formatMetric(c.recall)}</td>
              <td className="num">{formatMetric(c.ap50)}</td>
              <td className="num">{formatMetric(c.ap50_95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Artifacts({ detail }: { detail: RunDetail }) {
  const { host } = useStores();
  if (detail.artifacts.length === 0) return null;
  return (
    <div className="artifacts" data-testid="artifacts">
      <h3>Files</h3>
      <ul>
        {detail.artifacts.map((a) => (
          <li key={`${a.kind}:${a.path}`} data-testid="artifact" data-kind={a.kind}>
            <span className="artifact-kind">{ARTIFACT_LABELS[a.kind] ?? a.kind}</span>
            <code className="wrap" title={a.path}>
              {a.path}
            </code>
            <span className="muted small">{formatBytes(a.bytes)}</span>
            {/* In a browser the file is on the server: offer it as a download. */}
            {host.kind === 'serve' && (
              <a href={runArtifactUrl(detail.id, a.kind)} download data-testid="artifact-download">
                Download
              </a>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ExportModel({ detail }: { detail: RunDetail }) {
  const store = useTrainingStore();
  const { host } = useStores();
  const [format, setFormat] = useState<ModelExportFormat>('onnx');
  const [weights, setWeights] = useState<'best' | 'last'>('best');
  const [done, setDone] = useState<RunArtifact | null>(null);
  const exportModel = useAction(async () => {
    setDone(null);
    const artifact = await store.getState().exportModel(detail.id, format, weights);
    setDone(artifact);
    return artifact;
  });
  const hasWeights = detail.artifacts.some((a) => a.kind === 'best' || a.kind === 'last') || detail.status === 'completed';
  if (!hasWeights) return null;
  const hasLast = detail.artifacts.some((a) => a.kind === 'last');

  return (
    <div className="export-model" data-testid="export-model">
      <h3>Export the model</h3>
      <div className="input-row export-row">
        <label className="field-inline">
          <span className="muted small">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as ModelExportFormat)} data-testid="export-format">
            {MODEL_EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {ARTIFACT_LABELS[f] ?? f}
              </option>
            ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="muted small">Weights</span>
          <select value={weights} onChange={(e) => setWeights(e.target.value as 'best' | 'last')} data-testid="export-weights">
            <option value="best">best epoch</option>
            <option value="last" disabled={!hasLast && detail.artifacts.length > 0}>
              last epoch
            </option>
          </select>
        </label>
        <button type="button" onClick={() => void exportModel.run()} disabled={exportModel.pending} data-testid="export-model-button">
          {exportModel.pending ? 'Exporting…' : 'Export model'}
        </button>
      </div>
      {exportModel.pending && <p className="muted small">Exporting can take a minute (ONNX is quick; TensorRT and OpenVINO are slower).</p>}
      {done && (
        <p className="export-done" data-testid="export-result">
          Exported to <code className="wrap">{done.path}</code> <span className="muted small">({formatBytes(done.bytes)})</span>
          {host.kind === 'serve' && <span className="muted small"> — on the machine that runs the stores.</span>}
        </p>
      )}
      <ErrorMessage error={exportModel.error} testId="export-model-error" onDismiss={exportModel.clear} />
    </div>
  );
}
