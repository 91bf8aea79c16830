/**
 * The image viewer: which image of the grid's current list is open, and its annotations.
 * Position is an index into the filtered list, so next/previous walk the grid's order.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Annotation, ImageRecord, StudioApi } from '@shared';
import type { GridState } from './grid-store.js';

export interface ViewerState {
  /** Index in the grid's list of the open image; null when closed. */
  index: number | null;
  image: ImageRecord | null;
  annotations: Annotation[];
  loading: boolean;
  error: string | null;

  open(index: number): Promise<void>;
  /** Next (+1) or previous (-1) image, stopping at either end. */
  step(delta: number): Promise<void>;
  close(): void;
}

export function createViewerStore(api: StudioApi, grid: StoreApi<GridState>): StoreApi<ViewerState> {
  /** Each open bumps this; answers for an image the user already moved past are dropped. */
  let ticket = 0;

  return createStore<ViewerState>()((set, get) => ({
    index: null,
    image: null,
    annotations: [],
    loading: false,
    error: null,

    async open(index) {
      const mine = ++ticket;
      const cached = grid.getState().itemAt(index) ?? null;
      set({ index, image: cached, annotations: cached?.id === get().image?.id ? get().annotations : [], loading: true, error: null });
      try {
        const image = cached ?? (await grid.getState().fetchItem(index));
        if (mine !== ticket) return;
        if (!image) {
          set({ loading: false, error: 'That image is no longer in the list.' });
          return;
        }
        set({ image });
        const annotations = await api.annotations.forImage({ imageId: image.id });
        if (mine !== ticket) return;
        set({ annotations, loading: false });
      } catch (err) {
        if (mine !== ticket) return;
        set({ loading: false, error: err instanceof Error ? err.message : String(err) });
      }
    },

    async step(delta) {
      const { index } = get();
      const total = grid.getState().total ?? 0;
      if (index === null) return;
      const next = Math.min(total - 1, Math.max(0, index + delta));
      if (next === index) return;
      await get().open(next);
    },

    close() {
      ticket++;
      set({ index: null, image: null, annotations: [], loading: false, error: null });
    },
  }));
}
