/**
 * Calls `fn` at once, then at most once per `ms` while calls keep coming, and once more after the
 * last of them: a burst of edits refreshes the grid twice, not a hundred times, and the final
 * state is never missed.
 */
export function throttle(fn: () => void, ms: number): () => void {
  let last = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  const fire = () => {
    timer = null;
    last = Date.now();
    fn();
  };
  return () => {
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) fire();
    else {
      timer = setTimeout(fire, wait);
      // A pending refresh must not keep a CLI or test process alive.
      timer.unref();
    }
  };
}
