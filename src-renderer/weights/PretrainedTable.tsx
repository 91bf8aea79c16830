/**
 * Ultralytics' pretrained weights the studio offers: one row per family and task, one column
 * per size. Each is in the library, downloading (its percent), or has a Fetch button.
 */
import { MODEL_SIZES, type PretrainedWeights } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { FAMILY_LABELS } from '../training/training-form.js';
import { downloadSourceLabel } from './weights-format.js';

export function PretrainedTable() {
  const { weights } = useStores();
  const library = useSlice(weights, (s) => s.library);
  if (!library) return null;
  const rows = new Map<string, PretrainedWeights[]>();
  for (const p of library.pretrained) rows.set(`${p.task}:${p.family}`, [...(rows.get(`${p.task}:${p.family}`) ?? []), p]);
  return (
    <section className="card" aria-labelledby="weights-pretrained-title" data-testid="weights-pretrained">
      <h3 id="weights-pretrained-title">Pretrained weights</h3>
      <p className="muted small">
        Detection weights are trained on COCO (80 everyday classes), classification weights on ImageNet. Fetched once from {downloadSourceLabel(library.source)}, then
        used offline.
      </p>
      <table className="data-table weights-table">
        <thead>
          <tr>
            <th scope="col">Model</th>
            {MODEL_SIZES.map((s) => (
              <th key={s} scope="col">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...rows.values()].map((row) => (
            <tr key={`${row[0].task}:${row[0].family}`}>
              <th scope="row">
                {FAMILY_LABELS[row[0].family]} {row[0].task === 'classify' ? 'classification' : 'detection'} <span className="muted small">({row[0].dataset})</span>
              </th>
              {MODEL_SIZES.map((size) => {
                const p = row.find((w) => w.size === size);
                return <td key={size}>{p && <PretrainedCell weights={p} />}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PretrainedCell({ weights: p }: { weights: PretrainedWeights }) {
  const { weights } = useStores();
  const job = useSlice(weights, (s) => s.jobs.find((j) => j.target?.kind === 'pull' && j.target.name === p.name));
  const fetch = useAction(() => weights.getState().pull(p.name));
  const progress = job?.progress;
  return (
    <div className="pretrained-cell" data-testid="pretrained-cell" data-name={p.name} data-in-library={String(p.inLibrary)}>
      {p.inLibrary ? (
        <span className="pill pill-ok" title={`${p.name} is in the library`}>
          ✓ {p.name}
        </span>
      ) : job ? (
        <span className="muted small" title={`${p.name} is downloading`}>
          {progress && progress.total > 0 ? `${Math.floor((100 * progress.done) / progress.total)}%` : '…'}
        </span>
      ) : (
        <button type="button" onClick={() => void fetch.run()} disabled={fetch.pending} aria-label={`Fetch ${p.name}`} data-testid="weights-fetch" data-name={p.name}>
          Fetch
        </button>
      )}
      <ErrorMessage error={fetch.error} testId="weights-fetch-error" onDismiss={fetch.clear} />
    </div>
  );
}
