/**
 * Automatic sync of the open project, where the user turned it on (it is on once a project is
 * linked): after edits, once they have paused, and every minute besides, push then pull. While
 * the server cannot be reached it waits longer between tries (up to a few minutes), and tries
 * again at once when asked (`nudge`). Edits never wait for it: it runs beside them.
 *
 * It looks for edits by polling the project database's change counters (`total_changes()` for
 * this connection, `PRAGMA data_version` for other processes), which catches every writer: the
 * labeler, an import, auto-label, the CLI next to the app.
 */
import type { OpenProject, ProjectSession } from '../project/project-session.js';

export interface AutoSyncTiming {
  /** How often it looks for edits. */
  pollMs: number;
  /** How long edits must pause before it pushes them. */
  debounceMs: number;
  /** A sync at least this often, to pull what others pushed. */
  intervalMs: number;
  /** The first wait after a failure; it doubles with each failure after. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_AUTO_SYNC: AutoSyncTiming = { pollMs: 2000, debounceMs: 3000, intervalMs: 60_000, minBackoffMs: 5000, maxBackoffMs: 5 * 60_000 };

export interface AutoSyncOptions {
  session: ProjectSession;
  timing: AutoSyncTiming;
  /** Whether the project is linked and has automatic sync on. */
  enabled(project: OpenProject): boolean;
  /** Images a push would look at. */
  pending(project: OpenProject): number;
  /** Push then pull; resolves true when all went, false when some images failed (they wait for the next minute). */
  sync(project: OpenProject, signal: AbortSignal): Promise<boolean>;
  /** Something the status shows changed (a retry was scheduled or cleared). */
  changed(): void;
}

interface Watch {
  project: OpenProject;
  lastActivity: string;
  lastChangeAt: number;
  /** Edits were seen since the last sync. */
  edited: boolean;
  lastSyncAt: number;
  failures: number;
  retryAt: number | null;
  running: AbortController | null;
}

export class AutoSync {
  private timer: ReturnType<typeof setInterval> | null = null;
  private watch: Watch | null = null;

  constructor(private readonly options: AutoSyncOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.timing.pollMs);
    // A studio with nothing else to do (a CLI command that finished) must be free to exit.
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watch?.running?.abort();
    this.watch = null;
  }

  /** Sync as soon as possible: after a link, a resolved conflict, or a retry the user asked for. */
  nudge(): void {
    const w = this.watch;
    if (w) {
      w.lastSyncAt = 0;
      w.retryAt = null;
    }
    setTimeout(() => this.tick(), 0).unref?.();
  }

  /** When the next try after a failure is due; null when none is waiting. */
  get nextRetryAt(): string | null {
    const at = this.watch?.retryAt;
    return at ? new Date(at).toISOString() : null;
  }

  private tick(): void {
    const project = this.options.session.project;
    if (!project || project.store.isClosed) {
      this.release();
      return;
    }
    if (this.watch?.project !== project) this.adopt(project);
    const w = this.watch!;
    if (w.running || !this.options.enabled(project)) return;
    const now = Date.now();
    const activity = this.activity(w);
    if (activity !== w.lastActivity) {
      w.lastActivity = activity;
      w.lastChangeAt = now;
      w.edited = true;
    }
    const retrying = w.retryAt !== null;
    const due = retrying
      ? now >= w.retryAt!
      : now - w.lastSyncAt >= this.options.timing.intervalMs || (w.edited && now - w.lastChangeAt >= this.options.timing.debounceMs && this.options.pending(project) > 0);
    if (due) void this.run(w);
  }

  private async run(w: Watch): Promise<void> {
    const controller = new AbortController();
    w.running = controller;
    let complete = false;
    try {
      complete = await this.options.sync(w.project, controller.signal);
      w.failures = 0;
      w.retryAt = null;
    } catch {
      // The status carries the error; here only the next try is planned.
      w.failures++;
      const { minBackoffMs, maxBackoffMs } = this.options.timing;
      w.retryAt = Date.now() + Math.min(maxBackoffMs, minBackoffMs * 2 ** (w.failures - 1));
    } finally {
      w.running = null;
    }
    if (this.watch !== w || w.project.store.isClosed) return;
    w.lastSyncAt = Date.now();
    w.lastActivity = this.activity(w);
    w.lastChangeAt = Date.now();
    // Edits made while it ran are still pending: they go after the next pause.
    w.edited = complete && w.retryAt === null && this.options.pending(w.project) > 0;
    this.options.changed();
  }

  private adopt(project: OpenProject): void {
    this.release();
    const w: Watch = {
      project,
      lastActivity: '',
      lastChangeAt: Date.now(),
      edited: false,
      // A project just opened syncs at once.
      lastSyncAt: 0,
      failures: 0,
      retryAt: null,
      running: null,
    };
    w.lastActivity = this.activity(w);
    this.watch = w;
  }

  private release(): void {
    this.watch?.running?.abort();
    this.watch = null;
  }

  private activity(w: Watch): string {
    const { totalChanges, dataVersion } = w.project.store.changeCounters();
    return `${totalChanges}:${dataVersion}`;
  }
}
