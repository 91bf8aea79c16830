/**
 * Changes made to the open project by other processes (`reticle import` in a terminal, a
 * `reticle train`, another studio window, a `reticle pull`) reach this studio as the same events
 * as its own writes: the grid shows imported images and the labeler an image relabeled
 * elsewhere, without a reload.
 */
import type { RunSummary, StudioEmitter } from '@shared';
import type { ChangeFeed, ExternalChanges } from '../store/change-feed.js';
import type { ProjectStore } from '../store/project-store.js';

/** How often the database is looked at: one pragma while nothing else writes. */
const WATCH_INTERVAL_MS = 250;
/** More images than this changed at once: one "images changed" instead of one event per image. */
const MAX_IMAGE_EVENTS = 200;

export class ExternalChangeWatcher {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly onChanges: (changes: ExternalChanges) => void,
    intervalMs = WATCH_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => {
      try {
        this.check();
      } catch (err) {
        // Never fatal: the next look tries again, and the studio's own events still flow.
        console.error('[reticle] could not read what other processes changed in the project:', err);
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Looks now; what another process committed is reported once. */
  check(): void {
    let changes: ExternalChanges | null;
    try {
      changes = this.feed.poll();
    } catch (err) {
      // A look that fails (the database busy with a checkpoint, closing) is tried again next tick.
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') return;
      throw err;
    }
    if (changes) this.onChanges(changes);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}

interface ExternalChangeEventsDeps {
  emit: () => StudioEmitter;
  /** A run's summary as the training page lists it; null where it cannot be read. */
  runSummary: (runId: string) => RunSummary | null;
}

/** Emits, for changes another process made, the events this studio emits for its own. */
export function emitExternalChanges(deps: ExternalChangeEventsDeps, store: ProjectStore, changes: ExternalChanges): void {
  const emit = deps.emit();
  if (changes.project) emit.projects.onChanged(store.info());
  if (changes.classes) emit.classes.onChanged(store.classes.list());
  // Past MAX_IMAGE_EVENTS images (or an overflow) the images event below tells views to reload.
  const oneByOne = (ids: number[]) => (changes.overflow || ids.length > MAX_IMAGE_EVENTS ? [] : ids);
  for (const imageId of oneByOne(changes.annotations)) emit.annotations.onChanged({ imageId });
  for (const imageId of oneByOne(changes.suggestions)) emit.suggestions.onChanged({ imageId });
  if (changes.imagesAdded || changes.overflow) emit.images.onChanged({ reason: 'import' });
  if (changes.imagesRemoved) emit.images.onChanged({ reason: 'delete' });
  if (changes.imagesEdited || changes.annotations.length > 0 || changes.classes) emit.images.onChanged({ reason: 'edit' });
  for (const runId of changes.runs) {
    const run = deps.runSummary(runId);
    if (run) emit.training.onStatus(run);
  }
}
