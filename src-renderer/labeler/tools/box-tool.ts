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
 */
import type { StoreApi } from 'zustand/vanilla';
import type { AnnotationChange, BoxAnnotation } from '@shared';
import type { AnnotationMap } from '../document-store.js';
import {
  clampGroupDelta,
  clampPoint,
  clipRect,
  containsPoint,
  hitHandle,
  intersects,
  rectFromPoints,
  resizeRect,
  roundRect,
  sameRect,
  type Handle,
  type Point,
  type Rect,
  type Size,
} from '../geometry.js';
import { StateMachine, ToolStateNode, type ToolPointerEvent } from './state-machine.js';
import type { ToolStoreState } from './tool-store.js';

/** How far (stage pixels) the pointer moves before a press becomes a drag. */
export const DRAG_THRESHOLD_PX = 3;
/** Drawn boxes smaller than this on screen, or than MIN_DRAW_IMAGE_PX in the image, are dropped. */
export const MIN_DRAW_SCREEN_PX = 4;
export const MIN_DRAW_IMAGE_PX = 2;
/** How close (stage pixels) to a handle or an edge counts as on it. */
export const HANDLE_TOLERANCE_PX = 6;
export const EDGE_TOLERANCE_PX = 3;
/** The smallest box a resize leaves, in image pixels. */
export const MIN_RESIZE_IMAGE_PX = 1;

export interface BoxToolHost {
  store: StoreApi<ToolStoreState>;
  /** The open image's size; null while none is loaded. */
  image(): Size | null;
  annotations(): AnnotationMap;
  isHidden(classId: number): boolean;
  /** Stage pixels per image pixel. */
  scale(): number;
  newId(): string;
  /** Ends a gesture: applies the changes as one undo step. */
  commit(changes: AnnotationChange[]): void;
}

const CURSORS: Record<Handle, string> = { nw: 'nwse-resize', se: 'nwse-resize', ne: 'nesw-resize', sw: 'nesw-resize', n: 'ns-resize', s: 'ns-resize', e: 'ew-resize', w: 'ew-resize' };

function moved(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) > DRAG_THRESHOLD_PX || Math.abs(a.y - b.y) > DRAG_THRESHOLD_PX;
}

function boxRect(b: BoxAnnotation): Rect {
  return { x: b.x, y: b.y, w: b.w, h: b.h };
}

export class BoxTool {
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

class Idle extends ToolStateNode<BoxTool> {
  readonly id = 'idle';

  override onEnter(): void {
    this.tool.setPreview(null);
  }

  override onPointerMove(e: ToolPointerEvent): void {
    this.tool.updateHover(e.point);
  }

  override onPointerDown(e: ToolPointerEvent): void {
    const tool = this.tool;
    if (!tool.host.image()) return;
    const { mode } = tool.host.store.getState();
    const handle = tool.hitSelectedHandle(e.point);
    if (handle) {
      tool.transition('pointing_handle', { ...handle, origin: e });
      return;
    }
    const box = tool.hitBox(e.point);
    if (box) {
      const selected = tool.selection().has(box.id);
      if (e.shift || e.mod) {
        // Shift-click adds to the selection (and takes away on release, if it was there).
        if (!selected) tool.select([...tool.selection(), box.id]);
        tool.transition('pointing_box', { id: box.id, origin: e, wasSelected: selected, toggle: true, dragDraws: false });
        return;
      }
      // In draw mode a drag that starts on a box that is not selected draws a new box (boxes
      // inside boxes are common); a click selects it. A selected box is moved by a drag.
      const dragDraws = mode === 'draw' && !selected;
      if (!selected && !dragDraws) tool.select([box.id]);
      tool.transition('pointing_box', { id: box.id, origin: e, wasSelected: selected, toggle: false, dragDraws });
      return;
    }
    const marquee = mode === 'select' || e.shift || e.mod;
    tool.transition('pointing_canvas', { origin: e, marquee, additive: e.shift || e.mod, hadSelection: tool.selection().size > 0 });
  }
}

interface PointingHandleInfo {
  id: string;
  handle: Handle;
  origin: ToolPointerEvent;
}

class PointingHandle extends ToolStateNode<BoxTool, PointingHandleInfo> {
  readonly id = 'pointing_handle';
  private info!: PointingHandleInfo;

  override onEnter(info: PointingHandleInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!moved(e.screen, this.info.origin.screen)) return;
    this.tool.transition('resizing', { id: this.info.id, handle: this.info.handle });
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

interface PointingBoxInfo {
  id: string;
  origin: ToolPointerEvent;
  wasSelected: boolean;
  /** Shift/ctrl: a click toggles the box in the selection. */
  toggle: boolean;
  /** A drag draws a new box instead of moving this one. */
  dragDraws: boolean;
}

class PointingBox extends ToolStateNode<BoxTool, PointingBoxInfo> {
  readonly id = 'pointing_box';
  private info!: PointingBoxInfo;

  override onEnter(info: PointingBoxInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!moved(e.screen, this.info.origin.screen)) return;
    if (this.info.dragDraws) {
      this.tool.transition('drawing', { anchor: this.info.origin.point, byClicks: false });
    } else {
      this.tool.transition('moving', { origin: this.info.origin.point });
    }
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    const { id, wasSelected, toggle } = this.info;
    if (toggle) {
      if (wasSelected) this.tool.select([...this.tool.selection()].filter((s) => s !== id));
    } else {
      this.tool.select([id]);
    }
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

interface PointingCanvasInfo {
  origin: ToolPointerEvent;
  marquee: boolean;
  additive: boolean;
  hadSelection: boolean;
}

class PointingCanvas extends ToolStateNode<BoxTool, PointingCanvasInfo> {
  readonly id = 'pointing_canvas';
  private info!: PointingCanvasInfo;

  override onEnter(info: PointingCanvasInfo): void {
    this.info = info;
  }

  override onPointerMove(e: ToolPointerEvent): void {
    if (!moved(e.screen, this.info.origin.screen)) return;
    if (this.info.marquee) this.tool.transition('marquee', { origin: this.info.origin.point, additive: this.info.additive });
    else this.tool.transition('drawing', { anchor: this.info.origin.point, byClicks: false });
    this.tool.pointerMove(e);
  }

  override onPointerUp(): void {
    const { marquee, additive, hadSelection, origin } = this.info;
    if (marquee) {
      if (!additive) this.tool.select([]);
      this.tool.transition('idle');
    } else if (hadSelection) {
      // A click on empty space first lets go of the selection; the next click starts a box.
      this.tool.select([]);
      this.tool.transition('idle');
    } else {
      this.tool.transition('drawing', { anchor: origin.point, byClicks: true });
    }
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

interface DrawingInfo {
  anchor: Point;
  /** Drawn by two clicks: the first set the anchor, the second (down and up) ends the box. */
  byClicks: boolean;
}

class Drawing extends ToolStateNode<BoxTool, DrawingInfo> {
  readonly id = 'drawing';
  private anchor!: Point;
  private byClicks = false;
  private secondPress = false;

  override onEnter(info: DrawingInfo): void {
    const image = this.tool.host.image();
    this.anchor = image ? clampPoint(info.anchor, image) : info.anchor;
    this.byClicks = info.byClicks;
    this.secondPress = false;
    this.tool.setPreview({ kind: 'draw', rect: { x: this.anchor.x, y: this.anchor.y, w: 0, h: 0 } });
  }

  private rectTo(p: Point): Rect {
    const image = this.tool.host.image();
    return rectFromPoints(this.anchor, image ? clampPoint(p, image) : p);
  }

  override onPointerMove(e: ToolPointerEvent): void {
    this.tool.setPreview({ kind: 'draw', rect: this.rectTo(e.point) });
  }

  override onPointerDown(e: ToolPointerEvent): void {
    if (this.byClicks) this.secondPress = true;
    this.onPointerMove(e);
  }

  override onPointerUp(e: ToolPointerEvent): void {
    if (this.byClicks && !this.secondPress) return;
    this.finish(this.rectTo(e.point));
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }

  private finish(raw: Rect): void {
    const tool = this.tool;
    const image = tool.host.image();
    const min = tool.minDrawSize();
    const rect = image ? clipRect(raw, image, 0) : raw;
    if (!rect || rect.w < min || rect.h < min) {
      tool.transition('idle');
      return;
    }
    const classId = tool.host.store.getState().activeClassId;
    if (classId === null) {
      tool.host.store.getState().setNotice('Add a class first: boxes need one.');
      tool.transition('idle');
      return;
    }
    const id = tool.host.newId();
    const r = roundRect(rect);
    tool.host.commit([{ op: 'create', annotation: { id, classId, kind: 'box', x: r.x, y: r.y, w: r.w, h: r.h, source: 'manual' } }]);
    tool.select([id]);
    tool.transition('idle');
  }
}

interface MovingInfo {
  origin: Point;
}

class Moving extends ToolStateNode<BoxTool, MovingInfo> {
  readonly id = 'moving';
  private origin!: Point;
  private start = new Map<string, Rect>();
  private current = new Map<string, Rect>();

  override onEnter(info: MovingInfo): void {
    this.origin = info.origin;
    this.start = new Map();
    const annotations = this.tool.host.annotations();
    for (const id of this.tool.selection()) {
      const a = annotations.get(id);
      if (a && a.kind === 'box' && !this.tool.host.isHidden(a.classId)) this.start.set(id, boxRect(a));
    }
    this.current = new Map(this.start);
    this.tool.setPreview({ kind: 'transform', rects: this.current });
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const image = this.tool.host.image();
    if (!image) return;
    const d = clampGroupDelta(this.start.values(), e.point.x - this.origin.x, e.point.y - this.origin.y, image);
    const rects = new Map<string, Rect>();
    for (const [id, r] of this.start) rects.set(id, { x: r.x + d.x, y: r.y + d.y, w: r.w, h: r.h });
    this.current = rects;
    this.tool.setPreview({ kind: 'transform', rects });
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    const changes: AnnotationChange[] = [];
    for (const [id, r] of this.current) {
      const before = this.start.get(id)!;
      const after = roundRect(r);
      if (sameRect(before, after)) continue;
      changes.push({ op: 'update', id, patch: { x: after.x, y: after.y } });
    }
    if (changes.length > 0) this.tool.host.commit(changes);
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

interface ResizingInfo {
  id: string;
  handle: Handle;
}

class Resizing extends ToolStateNode<BoxTool, ResizingInfo> {
  readonly id = 'resizing';
  private info!: ResizingInfo;
  private start: Rect | null = null;
  private current: Rect | null = null;

  override onEnter(info: ResizingInfo): void {
    this.info = info;
    const a = this.tool.host.annotations().get(info.id);
    this.start = a && a.kind === 'box' ? boxRect(a) : null;
    this.current = this.start;
    if (!this.start) this.tool.transition('idle');
    else this.tool.setPreview({ kind: 'transform', rects: new Map([[info.id, this.start]]) });
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const image = this.tool.host.image();
    if (!this.start || !image) return;
    this.current = resizeRect(this.start, this.info.handle, e.point, image, MIN_RESIZE_IMAGE_PX);
    this.tool.setPreview({ kind: 'transform', rects: new Map([[this.info.id, this.current]]) });
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    if (this.start && this.current) {
      const after = roundRect(this.current);
      if (!sameRect(this.start, after) && after.w > 0 && after.h > 0) {
        const patch: { x?: number; y?: number; w?: number; h?: number } = {};
        for (const k of ['x', 'y', 'w', 'h'] as const) if (Math.abs(after[k] - this.start[k]) > 1e-9) patch[k] = after[k];
        this.tool.host.commit([{ op: 'update', id: this.info.id, patch }]);
      }
    }
    this.tool.transition('idle');
  }

  override onCancel(): void {
    this.tool.transition('idle');
  }
}

interface MarqueeInfo {
  origin: Point;
  additive: boolean;
}

class Marquee extends ToolStateNode<BoxTool, MarqueeInfo> {
  readonly id = 'marquee';
  private origin!: Point;
  private base: ReadonlySet<string> = new Set();
  private before: ReadonlySet<string> = new Set();

  override onEnter(info: MarqueeInfo): void {
    this.origin = info.origin;
    this.before = this.tool.selection();
    this.base = info.additive ? this.before : new Set();
  }

  override onPointerMove(e: ToolPointerEvent): void {
    const rect = rectFromPoints(this.origin, e.point);
    this.tool.setPreview({ kind: 'marquee', rect });
    const hits = this.tool.visibleBoxes().filter((b) => intersects(rect, b));
    this.tool.select([...this.base, ...hits.map((b) => b.id)]);
  }

  override onPointerUp(e: ToolPointerEvent): void {
    this.onPointerMove(e);
    this.tool.transition('idle');
  }

  override onCancel(): void {
    // Esc gives back the selection there was before the marquee.
    this.tool.select(this.before);
    this.tool.transition('idle');
  }
}
