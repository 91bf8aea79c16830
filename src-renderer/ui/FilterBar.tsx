/** Which images the grid shows: all, unlabeled, labeled, one class or one status, with counts. */
import { IMAGE_STATUSES, type ImageFilter, type ImageStatus } from '@shared';
import { useSlice, useStores } from './stores-context.js';

export const STATUS_LABELS: Record<ImageStatus, string> = {
  new: 'New',
  in_progress: 'In progress',
  done: 'Done',
  review: 'Needs review',
};

export function FilterBar() {
  const { project } = useStores();
  const filter = useSlice(project, (s) => s.filter);
  const counts = useSlice(project, (s) => s.counts);
  const classes = useSlice(project, (s) => s.classes);
  const setFilter = (f: ImageFilter) => project.getState().setFilter(f);
  const n = (value: number | undefined) => (value === undefined ? '…' : value.toLocaleString());

  const simple = (kind: 'all' | 'unlabeled' | 'labeled', label: string) => (
    <button
      type="button"
      className={`filter-chip${filter.kind === kind ? ' active' : ''}`}
      aria-pressed={filter.kind === kind}
      data-testid={`filter-${kind}`}
      onClick={() => setFilter({ kind })}
    >
      {label} <span className="chip-count" data-testid={`filter-${kind}-count`}>{n(counts?.[kind])}</span>
    </button>
  );

  return (
    <div className="filter-bar" role="toolbar" aria-label="Filter images">
      {simple('all', 'All')}
      {simple('unlabeled', 'Unlabeled')}
      {simple('labeled', 'Labeled')}
      <label className={`filter-select${filter.kind === 'class' ? ' active' : ''}`}>
        <span className="visually-hidden">Images with class</span>
        <select
          data-testid="filter-class"
          value={filter.kind === 'class' ? String(filter.classId) : ''}
          onChange={(e) => setFilter(e.target.value ? { kind: 'class', classId: Number(e.target.value) } : { kind: 'all' })}
        >
          <option value="">By class…</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({n(counts?.byClass[c.id] ?? (counts ? 0 : undefined))})
            </option>
          ))}
        </select>
      </label>
      <label className={`filter-select${filter.kind === 'status' ? ' active' : ''}`}>
        <span className="visually-hidden">Images with status</span>
        <select
          data-testid="filter-status"
          value={filter.kind === 'status' ? filter.status : ''}
          onChange={(e) => setFilter(e.target.value ? { kind: 'status', status: e.target.value as ImageStatus } : { kind: 'all' })}
        >
          <option value="">By status…</option>
          {IMAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]} ({n(counts?.byStatus[s])})
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
