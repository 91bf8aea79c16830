/**
 * The split editor: train / val / test ratios and a seed (the same seed gives the same split),
 * what each split holds overall and per class, and pins for images that must stay in a split
 * (the images picked in the grid; the labeler pins the open one).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { SPLITS, type Split, type SplitSummary } from '@shared';
import { parseSplit } from '../ui/ExportDialog.js';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { toErrorPayload, type ErrorPayload } from '@shared';

const SPLIT_COLORS: Record<Split | 'unassigned', string> = { train: '#4f9cf7', val: '#4fc28a', test: '#e8b04b', unassigned: '#3a4350' };

export function SplitsPage() {
  const { host, selection } = useStores();
  const api = host.api;
  const [summary, setSummary] = useState<SplitSummary | null>(null);
  const [loadError, setLoadError] = useState<ErrorPayload | null>(null);
  const [ratios, setRatios] = useState(['0.8', '0.1', '0.1']);
  const [seed, setSeed] = useState('0');
  const [formError, setFormError] = useState<string | null>(null);
  const picked = useSlice(selection, (s) => s.ids);

  const show = useCallback((s: SplitSummary) => {
    setSummary(s);
    setRatios(s.settings.ratios.map((r) => String(Math.round(r * 1000) / 1000)));
    setSeed(String(s.settings.seed));
  }, []);

  useEffect(() => {
    api.splits
      .get()
      .then(show)
      .catch((err: unknown) => setLoadError(toErrorPayload(err)));
  }, [api, show]);

  const apply = useAction(async () => {
    const parsed = parseSplit(ratios);
    if ('error' in parsed) return setFormError(parsed.error);
    const seedNumber = Number(seed);
    if (!Number.isInteger(seedNumber) || seedNumber < 0) return setFormError('The seed is a whole number, 0 or more.');
    setFormError(null);
    show(await api.splits.apply({ ratios: parsed.split, seed: seedNumber }));
  });

  const pin = useAction(async (split: Split | null) => {
    if (picked.size === 0) return;
    show(await api.splits.pin({ ids: [...picked], split }));
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void apply.run();
  };

  return (
    <div className="page splits-page" data-testid="splits-page">
      <div className="page-header">
        <h2>Train / val / test split</h2>
      </div>
      <ErrorMessage error={loadError} testId="splits-error" />
      <div className="health-grid">
        <section className="card">
          <h3>Ratios and seed</h3>
          <form className="form" onSubmit={submit}>
            <div className="split-row">
              {SPLITS.map((name, i) => (
                <label key={name} className="split-field">
                  <span>{name}</span>
                  <input type="number" min={0} max={1} step={0.05} value={ratios[i]} onChange={(e) => setRatios(ratios.map((r, k) => (k === i ? e.target.value : r)))} data-testid={`splits-ratio-${name}`} />
                </label>
              ))}
              <label className="split-field">
                <span>seed</span>
                <input type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(e.target.value)} data-testid="splits-seed" />
              </label>
            </div>
            <small className="muted">Every image that is not pinned is split again, class by class, so each split gets its share of every class.</small>
            {formError && (
              <div className="error-message" role="alert" data-testid="splits-form-error">
                {formError}
              </div>
            )}
            <ErrorMessage error={apply.error} testId="splits-apply-error" />
            <div className="form-actions">
              <button type="submit" className="primary" disabled={apply.pending} data-testid="splits-apply">
                {apply.pending ? 'Splitting…' : 'Split the images'}
              </button>
            </div>
          </form>
        </section>

        <section className="card" data-testid="splits-counts">
          <h3>Images per split</h3>
          {summary ? <SplitBar counts={summary.counts} /> : <p className="muted small">Loading…</p>}
          {summary && (
            <p className="muted small" data-testid="splits-pinned">
              {summary.pinned.toLocaleString()} pinned image{summary.pinned === 1 ? '' : 's'}
            </p>
          )}
        </section>

        <section className="card">
          <h3>Pin images</h3>
          <p className="small">
            {picked.size === 0 ? (
              <span className="muted">Pick images in the grid (Ctrl-click, Shift-click for a range) to pin them; the labeler pins the image it shows.</span>
            ) : (
              <>
                <strong data-testid="splits-picked">{picked.size.toLocaleString()}</strong> image{picked.size === 1 ? '' : 's'} picked in the grid:
              </>
            )}
          </p>
          <div className="input-row">
            {SPLITS.map((s) => (
              <button key={s} type="button" onClick={() => void pin.run(s)} disabled={picked.size === 0 || pin.pending} data-testid={`splits-pin-${s}`}>
                Pin to {s}
              </button>
            ))}
            <button type="button" onClick={() => void pin.run(null)} disabled={picked.size === 0 || pin.pending} data-testid="splits-unpin">
              Unpin
            </button>
          </div>
          <ErrorMessage error={pin.error} testId="splits-pin-error" />
        </section>

        <section className="card wide-card">
          <h3>Annotations per class and split</h3>
          {summary && summary.perClass.length > 0 ? <PerClassTable summary={summary} /> : <p className="muted small">No annotations yet.</p>}
        </section>
      </div>
    </div>
  );
}

function SplitBar({ counts }: { counts: SplitSummary['counts'] }) {
  const keys = [...SPLITS, 'unassigned'] as const;
  const total = keys.reduce((a, k) => a + counts[k], 0);
  let x = 0;
  return (
    <div>
      <svg className="split-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="Images per split">
        {total > 0 &&
          keys.map((k) => {
            const w = (100 * counts[k]) / total;
            const rect = <rect key={k} x={x} y={0} width={w} height={8} fill={SPLIT_COLORS[k]} />;
            x += w;
            return rect;
          })}
      </svg>
      <ul className="split-legend">
        {keys.map((k) => (
          <li key={k} data-testid={`splits-count-${k}`} data-count={counts[k]}>
            <span className="swatch-dot" style={{ background: SPLIT_COLORS[k] }} /> {k} <strong>{counts[k].toLocaleString()}</strong>
            {total > 0 && <span className="muted"> ({Math.round((100 * counts[k]) / total)}%)</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

function PerClassTable({ summary }: { summary: SplitSummary }) {
  return (
    <table className="per-class-table" data-testid="splits-per-class">
      <thead>
        <tr>
          <th>Class</th>
          {SPLITS.map((s) => (
            <th key={s}>{s}</th>
          ))}
          <th>Share</th>
        </tr>
      </thead>
      <tbody>
        {summary.perClass.map((c) => {
          const total = c.train + c.val + c.test;
          let x = 0;
          return (
            <tr key={c.classId} data-testid="splits-class-row" data-class-name={c.name}>
              <td>{c.name}</td>
              {SPLITS.map((s) => (
                <td key={s} className="num">
                  {c[s].toLocaleString()}
                </td>
              ))}
              <td className="share-cell">
                <svg className="split-bar small-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">
                  {total > 0 &&
                    SPLITS.map((s) => {
                      const w = (100 * c[s]) / total;
                      const rect = <rect key={s} x={x} y={0} width={w} height={6} fill={SPLIT_COLORS[s]} />;
                      x += w;
                      return rect;
                    })}
                </svg>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
