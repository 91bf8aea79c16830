/** What can be done to the images picked in the grid: set their status, pin them to a split. */
import { SPLITS, type ImageStatus, type Split } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { STATUS_LABELS } from './FilterBar.js';
import { useAction, useSlice, useStores } from './stores-context.js';

export function GridSelectionBar() {
  const { selection, host, grid, project } = useStores();
  const ids = useSlice(selection, (s) => s.ids);
  const setStatus = useAction(async (status: ImageStatus) => {
    await host.api.images.setStatus({ ids: [...ids], status });
    grid.getState().refresh();
    await project.getState().refreshCounts();
  });
  const pin = useAction(async (split: Split | null) => {
    await host.api.splits.pin({ ids: [...ids], split });
    grid.getState().refresh();
  });
  if (ids.size === 0) return null;
  return (
    <div className="selection-bar" role="toolbar" aria-label="Picked images" data-testid="grid-selection-bar">
      <strong data-testid="grid-selection-count">{ids.size.toLocaleString()}</strong> picked
      <select value="" onChange={(e) => e.target.value && void setStatus.run(e.target.value as ImageStatus)} aria-label="Set the status of the picked images" data-testid="grid-selection-status">
        <option value="">Set status…</option>
        {(['done', 'review', 'in_progress', 'new'] as const).map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      <select value="" onChange={(e) => e.target.value && void pin.run(e.target.value === 'none' ? null : (e.target.value as Split))} aria-label="Pin the picked images to a split" data-testid="grid-selection-pin">
        <option value="">Pin to split…</option>
        {SPLITS.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
        <option value="none">unpin</option>
      </select>
      <button type="button" className="link-button" onClick={() => selection.getState().clear()} data-testid="grid-selection-clear">
        Clear
      </button>
      <ErrorMessage error={setStatus.error ?? pin.error} testId="grid-selection-error" />
    </div>
  );
}
