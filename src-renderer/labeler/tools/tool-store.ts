/**
 * The tool's state as the canvas shows it: which state the box tool is in, what a gesture in
 * progress would do (the preview), the selection (and the suggestion picked), what the pointer
 * hovers and the class new boxes get. Not in history: a selection or a half-drawn box is not an edit.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Handle, Rect } from '../geometry.js';

export type ToolMode = 'draw' | 'select';

type ToolPreview =
  /** A box being drawn. */
  | { kind: 'draw'; rect: Rect }
  /** A selection rectangle. */
  | { kind: 'marquee'; rect: Rect }
  /** Boxes being moved or resized: their geometry until the gesture ends. */
  | { kind: 'transform'; rects: ReadonlyMap<string, Rect> };

export interface ToolStoreState {
  mode: ToolMode;
  /** The box tool's state: idle, pointing_canvas, drawing, moving, … */
  state: string;
  preview: ToolPreview | null;
  selectedIds: ReadonlySet<string>;
  /**
   * The model suggestion `Y` and `X` act on: picked in the side panel, or the one a finding was
   * opened for; null: they act on the most confident.
   */
  suggestionId: string | null;
  hoverId: string | null;
  hoverHandle: Handle | null;
  /** What the pointer would do here, as a CSS cursor. */
  cursor: string;
  /** The class a new box gets. */
  activeClassId: number | null;
  /** A short message for the user (no class to draw with, …); null when there is none. */
  notice: string | null;

  setMode(mode: ToolMode): void;
  select(ids: Iterable<string>): void;
  pickSuggestion(id: string | null): void;
  setActiveClass(classId: number | null): void;
  setNotice(notice: string | null): void;
}

export function createToolStore(): StoreApi<ToolStoreState> {
  return createStore<ToolStoreState>()((set, get) => ({
    mode: 'draw',
    state: 'idle',
    preview: null,
    selectedIds: new Set(),
    suggestionId: null,
    hoverId: null,
    hoverHandle: null,
    cursor: 'crosshair',
    activeClassId: null,
    notice: null,

    setMode(mode) {
      if (get().mode !== mode) set({ mode, cursor: mode === 'draw' ? 'crosshair' : 'default' });
    },

    select(ids) {
      const next = new Set(ids);
      const before = get().selectedIds;
      if (next.size === before.size && [...next].every((id) => before.has(id))) return;
      set({ selectedIds: next });
    },

    pickSuggestion(suggestionId) {
      if (get().suggestionId !== suggestionId) set({ suggestionId });
    },

    setActiveClass(activeClassId) {
      if (get().activeClassId !== activeClassId) set({ activeClassId });
    },

    setNotice(notice) {
      if (get().notice !== notice) set({ notice });
    },
  }));
}
