/**
 * The Models tab's third way to a model: pretrained weights from the studio's library (a COCO
 * detector before the project has a model of its own). Only weights of the project's task are
 * offered; the first load exports them to ONNX, which can take some seconds, once.
 */
import { useEffect, useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useSlice, useStores } from '../ui/stores-context.js';
import type { InferenceState } from './inference-store.js';

const TASK_WORDS = { detect: 'detection', classify: 'classification' } as const;

export function LibraryWeightsPicker({ store, onShowWeights }: { store: StoreApi<InferenceState>; onShowWeights?: () => void }) {
  const { weights, project } = useStores();
  const library = useSlice(weights, (s) => s.library);
  const loadError = useSlice(weights, (s) => s.loadError);
  const task = useSlice(project, (s) => s.project?.task ?? 'detect');
  const source = useSlice(store, (s) => s.source);
  const loading = useSlice(store, (s) => s.loadingModel);
  const [chosen, setChosen] = useState('');

  useEffect(() => {
    void weights.getState().load();
  }, [weights]);

  const entries = (library?.entries ?? []).filter((e) => e.task === task);
  const name = entries.some((e) => e.name === chosen) ? chosen : (entries[0]?.name ?? '');
  const preparing = loading && source !== null && 'weights' in source;

  return (
    <div className="models-library" data-testid="models-library">
      {loadError && <p className="error-message">{loadError.message}</p>}
      {library && entries.length === 0 ? (
        <p className="muted small" data-testid="models-library-empty">
          Pretrained: the weights library has no {TASK_WORDS[task]} weights.{' '}
          {onShowWeights ? (
            <button type="button" className="link-button" onClick={onShowWeights} data-testid="models-library-open-weights">
              Fetch or add some in the Weights tab.
            </button>
          ) : (
            'Fetch or add some in the Weights tab.'
          )}
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (name) void store.getState().loadModel({ weights: name });
          }}
        >
          <label>
            Pretrained (weights library){' '}
            <select value={name} onChange={(e) => setChosen(e.target.value)} disabled={!library} data-testid="models-library-select">
              {entries.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.name} ({e.classes.length} classes)
                </option>
              ))}
            </select>
          </label>{' '}
          <button type="submit" disabled={!name || loading} data-testid="models-library-load">
            Load
          </button>
        </form>
      )}
      {preparing && (
        <p className="muted" data-testid="models-library-preparing">
          Preparing… (exported to ONNX once)
        </p>
      )}
    </div>
  );
}
