/**
 * At most one progress event per interval: the first at once, later ones held back and replaced
 * by newer ones until the interval is over, so the UI gets the latest batch, not every batch.
 */
export class ProgressThrottle<T> {
  private lastAt = 0;
  private pending: T | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (value: T) => void,
    private readonly intervalMs: number,
  ) {}

  push(value: T): void {
    const wait = this.lastAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.lastAt = Date.now();
      this.emit(value);
      return;
    }
    this.pending = value;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      this.lastAt = Date.now();
      this.emit(pending);
    }, wait);
    this.timer.unref();
  }

  /** Drops what is held back: an epoch made it stale, or the run ended. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }
}
