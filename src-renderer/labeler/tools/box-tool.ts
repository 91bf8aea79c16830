/**
 * The box tool: draw, select, move and resize bounding boxes.
 *
 *   idle ─down on a handle──────▶ pointing_handle ─drag─▶ resizing ─up─▶ idle (one undo step)
 *        ─down on a box─────────▶ pointing_box ────drag─▶ moving   ─up─▶ idle (one undo step)
 *                                              (draw mode, box not selected: drag draws instead)
 *        ─down on empty space───▶ pointing_canvas ─drag─▶ drawing  ─up─▶ idle (one undo step)
 *                                        (shift/ctrl, or select mode) ─▶ marquee ─up─▶ idle
 *                                  ─click─▶ drawing (by two clicks) ─second click─▶ idle
 *   any state ─Esc─▶ idle, nothing recorded.
 *
 * Geometry is in image pixels throughout; screen thresholds are converted with the viewport's
 * scale. A drawn box smaller than a few screen pixels is taken for a slip and not created.
 * Each state is a file in `box-states/`; what they share (hit-testing, selection, preview) is here.
 */
import type { BoxAnnotation } from '@shared';
import { containsPoint, hitHandle, type Handle, type Point } from '../geometry.js';
import { StateMachine, type ToolPointerEvent } from './state-machine.js';
import type { ToolStoreState } from './tool-store.js';
import type { BoxToolContext, BoxToolHost } from './box-tool-context.js';
import { EDGE_TOLERANCE_PX, HANDLE_TOLERANCE_PX, MIN_DRAW_IMAGE_PX, MIN_DRAW_SCREEN_PX } from './box-tool-thresholds.js';
import { Idle } from './box-states/idle.js';
import { PointingHandle } from './box-states/pointing-handle.js';
import { PointingBox } from './box-states/pointing-box.js';
import { PointingCanvas } from './box-states/pointing-canvas.js';
import { Drawing } from './box-states/drawing.js';
import { Moving } from './box-states/moving.js';
import { Resizing } from './box-states/resizing.js';
import { Marquee } from './box-states/marquee.js';

const CURSORS: Record<Handle, string> = { nw: 'nwse-resize', se: 'nwse-resize', ne: 'nesw-resize', sw: 'nesw-resize', n: 'ns-resize', s: 'ns-resize', e: 'ew-resize', w: 'ew-resize' };

export class BoxTool implements BoxToolContext {
  readonly machine: StateMachine;

  constructor(readonly host: BoxToolHost) {
    this.machine = new StateMachine(
      [
        new Idle(this),
        new PointingHandle(this),
        new PointingBox(this),
        new PointingCanvas(this),
        new Drawing(this),
        new Moving(this),
        new Resizing(this),
        new Marquee(this),
      ],
      'idle',
      (state) => this.host.store.setState({ state }),
    );
  }

  get state(): string {
    return this.machine.stateId;
  }

  pointerDown(e: ToolPointerEvent): void {
    this.machine.pointerDown(e);
  }
  pointerMove(e: ToolPointerEvent): void {
    this.machine.pointerMove(e);
  }
  pointerUp(e: ToolPointerEvent): void {
    this.machine.pointerUp(e);
  }
  /** Cancels a gesture in progress; false when there was none (Esc may then mean something else). */
  cancel(): boolean {
    if (this.machine.stateId === 'idle') return false;
    this.machine.cancel();
    return true;
  }

  transition(id: string, info?: unknown): void {
    this.machine.transition(id, info);
  }

  // Helpers the states share.

  visibleBoxes(): BoxAnnotation[] {
    const out: BoxAnnotation[] = [];
    for (const a of this.host.annotations().values()) if (a.kind === 'box' && !this.host.isHidden(a.classId)) out.push(a);
    return out;
  }

  /** The box under the point: the smallest one holding it, so boxes inside boxes can be picked. */
  hitBox(p: Point): BoxAnnotation | null {
    const tolerance = EDGE_TOLERANCE_PX / this.host.scale();
    let best: BoxAnnotation | null = null;
    let bestArea = Infinity;
    for (const a of this.host.annotations().values()) {
      if (a.kind !== 'box' || this.host.isHidden(a.classId)) continue;
      if (!containsPoint(a, p, tolerance)) continue;
      const area = a.w * a.h;
      // Later boxes are drawn on top: on a tie they win.
      if (area <= bestArea) {
        best = a;
        bestArea = area;
      }
    }
    return best;
  }

  /** The handle of the single selected box under the point. */
  hitSelectedHandle(p: Point): { id: string; handle: Handle } | null {
    const { selectedIds } = this.host.store.getState();
    if (selectedIds.size !== 1) return null;
    const [id] = selectedIds;
    const box = this.host.annotations().get(id);
    if (!box || box.kind !== 'box' || this.host.isHidden(box.classId)) return null;
    const handle = hitHandle(box, p, HANDLE_TOLERANCE_PX / this.host.scale());
    return handle ? { id, handle } : null;
  }

  selection(): ReadonlySet<string> {
    return this.host.store.getState().selectedIds;
  }

  select(ids: Iterable<string>): void {
    this.host.store.getState().select(ids);
  }

  setPreview(preview: ToolStoreState['preview']): void {
    this.host.store.setState({ preview });
  }

  updateHover(p: Point): void {
    const store = this.host.store;
    const { mode, selectedIds } = store.getState();
    const handle = this.hitSelectedHandle(p);
    const box = handle ? null : this.hitBox(p);
    const hoverId = handle?.id ?? box?.id ?? null;
    const cursor = handle ? CURSORS[handle.handle] : box && (mode === 'select' || selectedIds.has(box.id)) ? 'move' : mode === 'draw' ? 'crosshair' : 'default';
    const s = store.getState();
    if (s.hoverId !== hoverId || s.hoverHandle !== (handle?.handle ?? null) || s.cursor !== cursor) store.setState({ hoverId, hoverHandle: handle?.handle ?? null, cursor });
  }

  minDrawSize(): number {
    return Math.max(MIN_DRAW_IMAGE_PX, MIN_DRAW_SCREEN_PX / this.host.scale());
  }
}
