/**
 * Which of pretrained weights' classes auto-label keeps, and as which project class: a COCO
 * detector has 80 classes and a project wants a few. Each model class is a row with "keep" and
 * "as project class"; a name the project lacks becomes a new class when auto-label runs.
 */
import { useState } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useSlice, useStores } from '../ui/stores-context.js';
import { mappingProblem, searchMapping } from './class-mapping.js';
import type { InferenceState } from './inference-store.js';

export function ClassMappingPanel({ store }: { store: StoreApi<InferenceState> }) {
  const { project } = useStores();
  const mapping = useSlice(store, (s) => s.mapping);
  const classes = useSlice(project, (s) => s.classes);
  const [query, setQuery] = useState('');
  const projectNames = classes.map((c) => c.name);
  const kept = mapping.filter((r) => r.keep).length;
  const shown = searchMapping(mapping, query);

  return (
    <div className="models-mapping" data-testid="class-mapping">
      <h4>Class mapping</h4>
      <p className="muted small">Auto-label keeps only the model classes ticked here, each as the project class named beside it (created when the project lacks it). The rest are ignored.</p>
      <div className="models-mapping-bar">
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search classes" aria-label="Search the model's classes" data-testid="class-mapping-search" />
        <span className="muted small" data-testid="class-mapping-count">
          {kept} of {mapping.length} kept
        </span>
        <button type="button" disabled={kept === 0} onClick={() => store.getState().keepNone()} data-testid="class-mapping-keep-none">
          Keep none
        </button>
      </div>
      <div className="models-mapping-rows">
        <table>
          <thead>
            <tr>
              <th scope="col">Model class</th>
              <th scope="col">Keep</th>
              <th scope="col">As project class</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const problem = mappingProblem(row, projectNames);
              return (
                <tr key={row.modelName} data-testid="class-mapping-row" data-model-name={row.modelName} data-kept={row.keep}>
                  <th scope="row">{row.modelName}</th>
                  <td>
                    <input type="checkbox" checked={row.keep} onChange={(e) => store.getState().setKeep(row.modelName, e.target.checked)} aria-label={`Keep ${row.modelName}`} data-testid="class-mapping-keep" />
                  </td>
                  <td>
                    <input type="text" value={row.target} disabled={!row.keep} onChange={(e) => store.getState().setTarget(row.modelName, e.target.value)} aria-label={`${row.modelName} as project class`} data-testid="class-mapping-target" size={20} />
                    {problem && (
                      <span className="models-mapping-problem small" data-testid="class-mapping-problem">
                        {' '}
                        {problem}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {shown.length === 0 && <p className="muted small">No class matches “{query}”.</p>}
      </div>
    </div>
  );
}
