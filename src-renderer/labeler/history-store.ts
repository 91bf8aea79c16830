/**
 * Undo and redo, one step per gesture, as diffs of the document (tldraw's history marks,
 * excalidraw's captured updates). Each image has its own stacks, kept for the session: going to
 * the next image and back still undoes what was done there, as long as nobody else changed it
 * meanwhile (the session clears an image's stacks when its annotations change elsewhere).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AnnotationChange } from '@shared';

interface HistoryEntry {
  /** What the gesture did: applied again by redo. */
  redo: AnnotationChange[];
  /** Its inverse: applied by undo. */
  undo: AnnotationChange[];
}

interface HistoryStacks {
  past: readonly HistoryEntry[];
  future: readonly HistoryEntry[];
}

export interface HistoryState {
  byImage: ReadonlyMap<number, HistoryStacks>;

  /** A new gesture: pushed on the undo stack; the redo stack is cleared. */
  record(imageId: number, entry: HistoryEntry): void;
  /** Pops the last gesture for undo (and keeps it for redo); null when there is none. */
  takeUndo(imageId: number): HistoryEntry | null;
  takeRedo(imageId: number): HistoryEntry | null;
  clear(imageId: number): void;
  clearAll(): void;
}

const HISTORY_LIMIT = 500;
const EMPTY: HistoryStacks = { past: [], future: [] };

export function stacksOf(state: Pick<HistoryState, 'byImage'>, imageId: number | null): HistoryStacks {
  return (imageId !== null && state.byImage.get(imageId)) || EMPTY;
}

export function createHistoryStore(limit = HISTORY_LIMIT): StoreApi<HistoryState> {
  return createStore<HistoryState>()((set, get) => {
    const put = (imageId: number, stacks: HistoryStacks) => {
      const byImage = new Map(get().byImage);
      if (stacks.past.length === 0 && stacks.future.length === 0) byImage.delete(imageId);
      else byImage.set(imageId, stacks);
      set({ byImage });
    };
    return {
      byImage: new Map(),

      record(imageId, entry) {
        const { past } = stacksOf(get(), imageId);
        put(imageId, { past: [...past, entry].slice(-limit), future: [] });
      },

      takeUndo(imageId) {
        const { past, future } = stacksOf(get(), imageId);
        const entry = past[past.length - 1];
        if (!entry) return null;
        put(imageId, { past: past.slice(0, -1), future: [...future, entry] });
        return entry;
      },

      takeRedo(imageId) {
        const { past, future } = stacksOf(get(), imageId);
        const entry = future[future.length - 1];
        if (!entry) return null;
        put(imageId, { past: [...past, entry], future: future.slice(0, -1) });
        return entry;
      },

      clear(imageId) {
        if (get().byImage.has(imageId)) put(imageId, EMPTY);
      },

      clearAll() {
        if (get().byImage.size > 0) set({ byImage: new Map() });
      },
    };
  });
}
