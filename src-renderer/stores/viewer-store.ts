/**
 * Which image the labeler has open, and how to get to another one. Position is an index into the
 * grid's filtered list (so next/previous walk the order the user sees); an image opened from
 * elsewhere (the health page, "next unlabeled") has its index looked up in the grid's pages, or
 * none, and then next/previous ask the studio for the neighbour in the same order.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { StudioError, type ImageFilter, type ImageRecord, type ImageStatus, type StudioApi } from '@shared';
import type { LabelerFocus } from '../labeler/focus.js';
import type { GridState } from './grid-store.js';

export interface ViewerState {
  /** Index in the grid's list of the open image; null when closed or not known. */
  index: number | null;
  image: ImageRecord | null;
  /** True while an image is open (even before its record arrives). */
  isOpen: boolean;
  loading: boolean;
  error: string | null;

  open(index: number): Promise<void>;
  /** Opens an image by id, wherever it is in the list (or not in it); `focus`: what to select there. */
  openImage(imageId: number, focus?: LabelerFocus): Promise<void>;
  /** Next (+1) or previous (-1) image, stopping at either end. */
  step(delta: number): Promise<void>;
  /** The next or previous image that matches a filter (default: unlabeled); false when none. */
  stepWhere(direction: 'next' | 'previous', filter?: ImageFilter): Promise<boolean>;
  setStatus(status: ImageStatus): Promise<void>;
  /** The studio has newer facts about the open image (status, count). */
  patchImage(imageId: number, patch: Partial<ImageRecord>): void;
  close(): void;
}

interface ViewerDeps {
  /** Loads the image's annotations into the labeler; `isCurrent` says whether it is still wanted. */
  load?(image: ImageRecord, isCurrent: () => boolean, focus?: LabelerFocus): Promise<void>;
  /** The labeler closed. */
  unload?(): void;
}

/** Looks for an image id in the pages the grid holds; its index, or null. */
function indexInGrid(grid: GridState, imageId: number): number | null {
  for (const [page, items] of grid.pages) {
    const i = items.findIndex((r) => r.id === imageId);
    if (i >= 0) return page * grid.pageSize + i;
  }
  return null;
}

export function createViewerStore(api: StudioApi, grid: StoreApi<GridState>, deps: ViewerDeps = {}): StoreApi<ViewerState> {
  /** Each open bumps this; answers for an image the user already moved past are dropped. */
  let ticket = 0;

  const show = async (mine: number, image: ImageRecord, focus?: LabelerFocus) => {
    store.setState({ image, error: null });
    try {
      await deps.load?.(image, () => mine === ticket, focus);
      if (mine !== ticket) return;
      store.setState({ loading: false });
    } catch (err) {
      if (mine !== ticket) return;
      store.setState({ loading: false, error: err instanceof Error ? err.message : String(err) });
    }
  };

  const store = createStore<ViewerState>()((set, get) => ({
    index: null,
    image: null,
    isOpen: false,
    loading: false,
    error: null,

    async open(index) {
      const mine = ++ticket;
      const cached = grid.getState().itemAt(index) ?? null;
      set({ index, isOpen: true, image: cached, loading: true, error: null });
      try {
        const image = cached ?? (await grid.getState().fetchItem(index));
        if (mine !== ticket) return;
        if (!image) {
          set({ loading: false, error: 'That image is no longer in the list.' });
          return;
        }
        await show(mine, image);
      } catch (err) {
        if (mine !== ticket) return;
        set({ loading: false, error: err instanceof Error ? err.message : String(err) });
      }
    },

    async openImage(imageId, focus) {
      const mine = ++ticket;
      const index = indexInGrid(grid.getState(), imageId);
      set({ index, isOpen: true, loading: true, error: null });
      try {
        const image = await api.images.get({ id: imageId });
        if (mine !== ticket) return;
        await show(mine, image, focus);
      } catch (err) {
        if (mine !== ticket) return;
        set({ loading: false, error: err instanceof Error ? err.message : String(err) });
      }
    },

    async step(delta) {
      const { index, image } = get();
      if (!image) return;
      // The neighbour in the list the grid shows, asked of the studio by id: labeling an image
      // can take it out of a filtered list (unlabeled), and an index would then skip one.
      const mine = ++ticket;
      const direction = delta > 0 ? 'next' : 'previous';
      let found: ImageRecord | null;
      try {
        found = await api.images.next({ afterId: image.id, direction, filter: grid.getState().filter });
      } catch (err) {
        if (mine !== ticket) return;
        if (!(err instanceof StudioError && err.code === 'unsupported') || index === null) {
          set({ error: err instanceof Error ? err.message : String(err) });
          return;
        }
        // A studio without `images.next`: walk the grid's list by index.
        const total = grid.getState().total ?? 0;
        const next = Math.min(total - 1, Math.max(0, index + delta));
        if (next !== index) await get().open(next);
        return;
      }
      if (mine !== ticket || !found) return;
      const known = indexInGrid(grid.getState(), found.id);
      const stillThere = index !== null && grid.getState().itemAt(index)?.id === image.id;
      set({ index: known ?? (stillThere ? index + Math.sign(delta) : null), loading: true, error: null });
      await show(mine, found);
    },

    async stepWhere(direction, filter = { kind: 'unlabeled' }) {
      const { image } = get();
      if (!image) return false;
      const mine = ++ticket;
      try {
        const found = await api.images.next({ afterId: image.id, direction, filter });
        if (mine !== ticket) return false;
        if (!found) return false;
        set({ index: indexInGrid(grid.getState(), found.id), loading: true, error: null });
        await show(mine, found);
        return true;
      } catch (err) {
        if (mine === ticket) set({ error: err instanceof Error ? err.message : String(err) });
        return false;
      }
    },

    async setStatus(status) {
      const { image } = get();
      if (!image) return;
      await api.images.setStatus({ ids: [image.id], status });
      get().patchImage(image.id, { status });
    },

    patchImage(imageId, patch) {
      const { image } = get();
      if (image?.id !== imageId) return;
      set({ image: { ...image, ...patch } });
    },

    close() {
      ticket++;
      deps.unload?.();
      set({ index: null, image: null, isOpen: false, loading: false, error: null });
    },
  }));
  return store;
}
