/** A progress bar: filled to done / total, or moving when the total is not known yet. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const indeterminate = total <= 0;
  return (
    <div className={`progress${indeterminate ? ' indeterminate' : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={indeterminate ? undefined : total} aria-valuenow={indeterminate ? undefined : done}>
      <div className="progress-fill" style={{ width: indeterminate ? undefined : `${Math.min(100, (100 * done) / total)}%` }} />
    </div>
  );
}
