/** The files in the weights library: name, size, task, classes, where each came from, when; Remove. */
import { useState } from 'react';
import type { WeightsEntry } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { formatBytes } from '../ui/format.js';
import { TableHead } from '../ui/TableHead.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { TASK_LABELS, entryOrigin } from './weights-format.js';

const COLUMNS = ['Name', 'Size', 'Task', 'Classes', 'From', 'Added'];

export function LibraryTable() {
  const { weights } = useStores();
  const entries = useSlice(weights, (s) => s.library?.entries ?? null);
  if (!entries) return null;
  return (
    <section className="card" aria-labelledby="weights-library-title" data-testid="weights-library">
      <h3 id="weights-library-title">In the library</h3>
      {entries.length === 0 ? (
        <p className="muted" data-testid="weights-library-empty">
          No weights yet. Fetch pretrained weights below, or add a file you have.
        </p>
      ) : (
        <table className="data-table weights-table">
          <TableHead columns={COLUMNS} />
          <tbody>
            {entries.map((e) => (
              <EntryRow key={e.name} entry={e} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EntryRow({ entry }: { entry: WeightsEntry }) {
  const { weights } = useStores();
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(() => weights.getState().remove(entry.name));
  const origin = entryOrigin(entry.source);
  return (
    <tr data-testid="weights-entry" data-name={entry.name}>
      <td>
        <code>{entry.name}</code>
        {entry.parameters !== null && <span className="muted small"> · {(entry.parameters / 1e6).toFixed(1)} M parameters</span>}
      </td>
      <td data-testid="weights-entry-size">{formatBytes(entry.bytes)}</td>
      <td data-testid="weights-entry-task">{TASK_LABELS[entry.task]}</td>
      <td data-testid="weights-entry-classes" title={entry.classes.slice(0, 100).join(', ')}>
        {entry.classes.length}
      </td>
      <td className="wrap" data-testid="weights-entry-origin" title={entry.source.kind === 'download' ? entry.source.url : entry.source.path}>
        {origin}
      </td>
      <td>{new Date(entry.addedAt).toLocaleDateString()}</td>
      <td>
        <div className="weights-actions">
          {confirming ? (
            <>
              <button type="button" className="danger-button" onClick={() => void remove.run()} disabled={remove.pending} data-testid="weights-entry-remove-confirm">
                Remove {entry.name}
              </button>
              <button type="button" className="link-button" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="link-button" onClick={() => setConfirming(true)} data-testid="weights-entry-remove">
              Remove
            </button>
          )}
        </div>
        <ErrorMessage error={remove.error} testId="weights-entry-remove-error" onDismiss={remove.clear} />
      </td>
    </tr>
  );
}
