/**
 * Autosave: every gesture's changes go to the studio with `annotations.apply` as soon as the
 * gesture ends, one call at a time and in the order they were made. A transient failure (the
 * connection dropped, the disk was full) is retried with backoff, the same batch again; a refusal
 * (the changes no longer fit what the studio holds) drops that batch and asks the session to
 * reload the image from the studio. There is no save button and nothing waits for a timer.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { StudioError, type AnnotationApplyResult, type AnnotationChange } from '@shared';

type SaveStatus = 'idle' | 'saving' | 'saved' | 'retrying' | 'failed';

export interface AutosaveState {
  status: SaveStatus;
  /** Gestures not yet committed by the studio, the one in flight included. */
  pending: number;
  /** Why the last attempt failed; null after a success. */
  error: string | null;

  enqueue(imageId: number, changes: readonly AnnotationChange[]): void;
  /** True while something for this image (or any image) is not yet committed. */
  hasPending(imageId?: number): boolean;
  /** Resolves once nothing for this image (or any image) is waiting any more, saved or dropped. */
  flush(imageId?: number): Promise<void>;
  /**
   * The page is going away: sends every gesture not yet sent at once, without waiting for the
   * answers (the transport delivers them in order before it closes). Only for unload.
   */
  sendAllNow(): void;
  /** Forgets the queue (the project closed); waiting flushes resolve. */
  reset(): void;
}

interface AutosaveDeps {
  apply(imageId: number, changes: AnnotationChange[]): Promise<AnnotationApplyResult>;
  /** The studio committed a batch; `settled` is true when nothing more for that image waits. */
  onSaved?(result: AnnotationApplyResult, settled: boolean): void;
  /** The studio refused a batch: what the labeler shows of that image is no longer true. */
  onRejected?(imageId: number, error: unknown): void;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Which failures are worth trying again. */
  isTransient?(error: unknown): boolean;
}

/** The contract's limit on changes per call: batches merged in a backlog stay under it. */
const MAX_CHANGES_PER_CALL = 20_000;

export function isTransientError(error: unknown): boolean {
  if (error instanceof StudioError) return error.code === 'io' || error.code === 'disk_full';
  // Not an answer from the studio at all (a network error): worth another try.
  return true;
}

interface Entry {
  imageId: number;
  changes: readonly AnnotationChange[];
}

interface Waiter {
  imageId: number | undefined;
  resolve: () => void;
}

export function createAutosaveStore(deps: AutosaveDeps): StoreApi<AutosaveState> {
  const initialMs = deps.backoff?.initialMs ?? 250;
  const maxMs = deps.backoff?.maxMs ?? 5000;
  const transient = deps.isTransient ?? isTransientError;
  let queue: Entry[] = [];
  let running = false;
  let waiters: Waiter[] = [];
  let generation = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let wakeRetry: (() => void) | null = null;
  /** Queue entries the call in flight carries (0 when none is). */
  let inFlight = 0;

  const waitingFor = (imageId: number | undefined) => queue.some((e) => imageId === undefined || e.imageId === imageId);

  const settleWaiters = () => {
    const still: Waiter[] = [];
    for (const w of waiters) {
      if (waitingFor(w.imageId)) still.push(w);
      else w.resolve();
    }
    waiters = still;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        wakeRetry = null;
        resolve();
      }, ms);
    });

  const pump = async () => {
    if (running) return;
    running = true;
    const gen = generation;
    let attempt = 0;
    let failedSinceIdle = false;
    try {
      while (queue.length > 0 && gen === generation) {
        // One batch: the first gesture, plus the gestures right behind it for the same image
        // (a backlog after an outage), never reordered. A retry sends the same batch again.
        const first = queue[0];
        let count = 1;
        let size = first.changes.length;
        while (count < queue.length && queue[count].imageId === first.imageId && size + queue[count].changes.length <= MAX_CHANGES_PER_CALL) {
          size += queue[count].changes.length;
          count++;
        }
        const batch = queue.slice(0, count);
        const changes = batch.flatMap((e) => e.changes);
        for (;;) {
          if (gen !== generation) return;
          store.setState({ status: attempt === 0 ? 'saving' : 'retrying' });
          try {
            inFlight = count;
            const result = await deps.apply(first.imageId, changes).finally(() => (inFlight = 0));
            if (gen !== generation) return;
            queue = queue.slice(count);
            attempt = 0;
            store.setState({ pending: queue.length, error: null, status: queue.length > 0 ? 'saving' : failedSinceIdle ? 'failed' : 'saved' });
            deps.onSaved?.(result, !waitingFor(first.imageId));
            break;
          } catch (err) {
            if (gen !== generation) return;
            const message = err instanceof Error ? err.message : String(err);
            if (transient(err)) {
              store.setState({ status: 'retrying', error: message });
              await sleep(Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20)));
              attempt++;
              continue;
            }
            queue = queue.slice(count);
            attempt = 0;
            failedSinceIdle = true;
            store.setState({ pending: queue.length, error: message, status: 'failed' });
            deps.onRejected?.(first.imageId, err);
            break;
          }
        }
        settleWaiters();
      }
    } finally {
      if (gen === generation) running = false;
      settleWaiters();
    }
  };

  const store = createStore<AutosaveState>()((set) => ({
    status: 'idle',
    pending: 0,
    error: null,

    enqueue(imageId, changes) {
      if (changes.length === 0) return;
      queue.push({ imageId, changes });
      set({ pending: queue.length });
      // A gesture while waiting to retry: try again now rather than at the end of the backoff.
      if (wakeRetry) {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
        const wake = wakeRetry;
        wakeRetry = null;
        wake();
      }
      void pump();
    },

    hasPending(imageId) {
      return waitingFor(imageId);
    },

    flush(imageId) {
      if (!waitingFor(imageId)) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ imageId, resolve }));
    },

    sendAllNow() {
      const unsent = queue.slice(inFlight);
      if (unsent.length === 0) return;
      queue = queue.slice(0, inFlight);
      let i = 0;
      while (i < unsent.length) {
        const imageId = unsent[i].imageId;
        const changes: AnnotationChange[] = [];
        while (i < unsent.length && unsent[i].imageId === imageId && changes.length + unsent[i].changes.length <= MAX_CHANGES_PER_CALL) changes.push(...unsent[i++].changes);
        if (changes.length === 0) changes.push(...unsent[i++].changes);
        deps.apply(imageId, changes).catch(() => undefined);
      }
      set({ pending: queue.length });
      settleWaiters();
    },

    reset() {
      generation++;
      running = false;
      queue = [];
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      wakeRetry = null;
      set({ status: 'idle', pending: 0, error: null });
      settleWaiters();
    },
  }));
  return store;
}
