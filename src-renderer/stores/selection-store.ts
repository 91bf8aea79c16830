/**
 * Images picked in the grid (Ctrl/⌘-click toggles one, Shift-click takes the range from the last
 * one picked): what bulk actions such as "pin to a split" or "mark done" apply to.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';

export interface SelectionState {
  ids: ReadonlySet<number>;
  /** Grid index of the last image picked, where a Shift-click range starts. */
  anchor: number | null;

  toggle(id: number, index: number): void;
  /** Adds the images of a range (those the grid holds) to the selection. */
  extend(entries: readonly { id: number; index: number }[], index: number): void;
  clear(): void;
}

export function createSelectionStore(): StoreApi<SelectionState> {
  return createStore<SelectionState>()((set, get) => ({
    ids: new Set(),
    anchor: null,

    toggle(id, index) {
      const ids = new Set(get().ids);
      if (ids.has(id)) ids.delete(id);
      else ids.add(id);
      set({ ids, anchor: index });
    },

    extend(entries, index) {
      const ids = new Set(get().ids);
      for (const e of entries) ids.add(e.id);
      set({ ids, anchor: index });
    },

    clear() {
      if (get().ids.size > 0 || get().anchor !== null) set({ ids: new Set(), anchor: null });
    },
  }));
}
