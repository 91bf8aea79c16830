/**
 * Where downloads come from: Ultralytics' releases, or a mirror (a company's proxy, a folder on
 * an intranet server). RETICLE_WEIGHTS_MIRROR, set where the studio runs, wins over the setting.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { WeightsMirrorInput } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { downloadSourceLabel } from './weights-format.js';

export function DownloadSourceForm() {
  const { weights } = useStores();
  const source = useSlice(weights, (s) => s.library?.source ?? null);
  const [mirror, setMirror] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useAction((value: string | null) => weights.getState().setMirror(value));
  const saved = source?.kind === 'mirror' && source.from === 'setting' ? source.url : '';

  // The field shows the saved mirror once the library is known (and again after a save).
  useEffect(() => setMirror(saved), [saved]);

  if (!source) return null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = mirror.trim() || null;
    const checked = WeightsMirrorInput.safeParse({ mirror: value });
    setProblem(checked.success ? null : (checked.error.issues[0]?.message ?? 'That is not a mirror URL.'));
    if (checked.success) await save.run(value);
  };

  return (
    <section className="card" aria-labelledby="weights-source-title" data-testid="weights-source">
      <h3 id="weights-source-title">Download source</h3>
      <p data-testid="weights-source-current">
        Downloads come from <strong className="wrap">{downloadSourceLabel(source)}</strong>.
      </p>
      {source.kind === 'mirror' && source.from === 'env' && (
        <p className="muted small" data-testid="weights-source-env">
          Set by RETICLE_WEIGHTS_MIRROR where the studio runs; it wins over the setting below until it is unset.
        </p>
      )}
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>Mirror</span>
          <input value={mirror} onChange={(e) => setMirror(e.target.value)} placeholder="https://weights.example.com/ultralytics/" spellCheck={false} data-testid="weights-mirror" />
        </label>
        <p className="muted small">A folder URL that serves the files by name (…/yolo11n.pt), for networks that cannot reach GitHub. Empty: Ultralytics’ releases.</p>
        {problem && <p className="field-error">{problem}</p>}
        <div className="form-actions weights-actions">
          <button type="submit" disabled={save.pending} data-testid="weights-mirror-save">
            Save
          </button>
          {saved && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setProblem(null);
                void save.run(null);
              }}
              disabled={save.pending}
              data-testid="weights-mirror-clear"
            >
              Use Ultralytics’ releases
            </button>
          )}
        </div>
      </form>
      <ErrorMessage error={save.error} testId="weights-mirror-error" onDismiss={save.clear} />
    </section>
  );
}
