/**
 * The Evaluation tab: pick a run that ended (and another to compare with), evaluate it on a split
 * of its frozen dataset, read its figures, and go through the likely label errors: each opens in
 * the labeler with the model's boxes as suggestions, or is ignored for good.
 */
import { useEffect, useState } from 'react';
import type { Split } from '@shared';
import { useSlice, useStores } from '../ui/stores-context.js';
import { EvaluationFigures } from './EvaluationFigures.js';
import { FindingsGallery } from './FindingsGallery.js';
import { createEvaluationStore } from './evaluation-store.js';
import './evaluation.css';

const SPLITS: { value: Split | null; label: string }[] = [
  { value: null, label: 'test (val if it has none)' },
  { value: 'test', label: 'test' },
  { value: 'val', label: 'val' },
  { value: 'train', label: 'train' },
];

export function EvaluationPage() {
  const stores = useStores();
  const { api } = stores.host;
  const [store] = useState(() => createEvaluationStore(api));
  const s = useSlice(store, (st) => st);
  const classes = useSlice(stores.project, (p) => p.classes);

  useEffect(() => {
    void store.getState().refresh();
    const offs = [
      api.jobs.onProgress((p) => store.getState().jobProgressed(p)),
      api.jobs.onFinished((r) => void store.getState().jobFinished(r)),
      // A run that ends elsewhere can be evaluated.
      api.training.onStatus(() => void store.getState().refresh()),
    ];
    return () => offs.forEach((off) => off());
  }, [api, store]);

  const open = async (findingId: string) => {
    const opened = await store.getState().suggest(findingId);
    if (opened) await stores.viewer.getState().openImage(opened.imageId, opened.focus);
  };
  const running = s.jobId !== null;
  const p = s.progress;

  return (
    <div className="page evaluation-page" data-testid="evaluation-page">
      <div className="page-header">
        <h2>Evaluation</h2>
      </div>
      {s.error && (
        <div className="error-message" role="alert" data-testid="evaluation-error">
          {s.error}
        </div>
      )}
      {s.runs.length === 0 ? (
        <p className="muted" data-testid="evaluation-no-runs">
          No training run has ended yet. Train a model on the Training tab, then evaluate it here.
        </p>
      ) : (
        <section className="card evaluation-controls">
          <label>
            Run{' '}
            <select value={s.runId ?? ''} onChange={(e) => void store.getState().selectRun(e.target.value)} data-testid="evaluation-run">
              {s.runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} ({r.model}, {r.status})
                </option>
              ))}
            </select>
          </label>
          <label>
            Compare with{' '}
            <select value={s.compareRunId ?? ''} onChange={(e) => store.getState().setCompare(e.target.value || null)} data-testid="evaluation-compare">
              <option value="">no other run</option>
              {s.runs
                .filter((r) => r.id !== s.runId)
                .map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
            </select>
          </label>
          <label>
            Images{' '}
            <select value={s.split ?? ''} onChange={(e) => store.getState().setSplit((e.target.value || null) as Split | null)} data-testid="evaluation-split">
              {SPLITS.map((o) => (
                <option key={o.label} value={o.value ?? ''}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => void store.getState().start()} disabled={!s.runId || running} data-testid="evaluation-start">
            {running ? 'Evaluating…' : s.evaluation ? 'Evaluate again' : 'Evaluate'}
          </button>
          {running && (
            <span className="muted small" data-testid="evaluation-progress">
              {p && p.total > 0 ? `${p.done} of ${p.total} images` : 'Loading the model (exporting it to ONNX first if the run has none)…'}
            </span>
          )}
        </section>
      )}
      {s.runId && !s.evaluation && !running && s.runs.length > 0 && <p className="muted">This run was not evaluated yet: press Evaluate.</p>}
      {s.evaluation && <EvaluationFigures evaluation={s.evaluation} classes={classes} />}
      <FindingsGallery store={store} onOpen={(id) => void open(id)} />
    </div>
  );
}
