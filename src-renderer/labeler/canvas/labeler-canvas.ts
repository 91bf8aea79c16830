/**
 * The labeler's Konva stage, made and driven imperatively: it reads the stores and never holds
 * state of its own beyond what is on screen. Three layers, none listening (hit-testing is done by
 * the tools against image-pixel geometry, which is faster than Konva's hit canvas for thousands
 * of boxes):
 *
 *  - image: the picture, redrawn only when the view moves or a better source arrives;
 *  - boxes: every box in one batched shape, redrawn when the view or the document changes;
 *  - overlay: the selection and its handles, the box being drawn or dragged, the crosshair,
 *    redrawn as the pointer moves without touching the other two.
 *
 * Pointer events come from the DOM: pan (middle button, or space + drag) and wheel zoom go to the
 * viewport; everything else goes to the box tool, in image pixels.
 */
import Konva from 'konva/lib/Core';
import type { ClassDef, ImageRecord, MediaKind } from '@shared';
import type { LabelerSession } from '../labeler-session.js';
import type { ToolPointerEvent } from '../tools/state-machine.js';
import { toImagePoint, toStagePoint } from '../viewport-store.js';
import { ImageSourceLoader, sourceFor, type ImageSources } from './image-source.js';
import { paintBoxes, paintImage, paintOverlay, paintSuggestions, type ClassStyle, type Paint2D } from './paint.js';

interface LabelerCanvasDeps {
  session: LabelerSession;
  media(kind: MediaKind, imageId: number): string;
  /** Boxes are drawn and edited only in detection projects. */
  editable: boolean;
  /** The picture's sources changed (preview in, original in, failed). */
  onSources?(sources: ImageSources): void;
}

interface PaintRecord {
  /** `performance.now()` when the boxes layer was last painted. */
  at: number;
  /** Boxes it drew (on screen, not hidden). */
  drawn: number;
  /** The document version it showed. */
  version: number;
  paints: number;
  /** How long that paint took, and all paints so far (ms). */
  ms: number;
  totalMs: number;
}

const FALLBACK_COLOR = '#ffcc00';

/** Wheel zoom speed: a notch of a mouse wheel (deltaY 100) zooms by about 16 %. */
function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-300, Math.min(300, pixels)) * 0.0015);
}

export class LabelerCanvas {
  private readonly stage: Konva.Stage;
  private readonly imageLayer: Konva.Layer;
  private readonly boxLayer: Konva.Layer;
  private readonly overlayLayer: Konva.Layer;
  private readonly loader: ImageSourceLoader;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly resizeObserver: ResizeObserver;
  private styles = new Map<number, ClassStyle>();
  private image: ImageRecord | null = null;
  private bounds: DOMRect;
  private spaceDown = false;
  private panning: { pointerId: number; lastX: number; lastY: number } | null = null;
  private toolPointer: number | null = null;
  readonly paint: PaintRecord = { at: 0, drawn: 0, version: -1, paints: 0, ms: 0, totalMs: 0 };

  constructor(
    private readonly container: HTMLDivElement,
    private readonly deps: LabelerCanvasDeps,
  ) {
    const { session } = deps;
    this.bounds = container.getBoundingClientRect();
    this.stage = new Konva.Stage({ container, width: Math.max(1, container.clientWidth), height: Math.max(1, container.clientHeight), listening: false });
    this.imageLayer = new Konva.Layer({ listening: false });
    this.boxLayer = new Konva.Layer({ listening: false });
    this.overlayLayer = new Konva.Layer({ listening: false });
    this.imageLayer.add(this.customShape((ctx) => this.drawImage(ctx)));
    this.boxLayer.add(this.customShape((ctx) => this.drawBoxes(ctx)));
    this.overlayLayer.add(this.customShape((ctx) => this.drawOverlay(ctx)));
    this.stage.add(this.imageLayer, this.boxLayer, this.overlayLayer);

    this.loader = new ImageSourceLoader(deps.media, (sources) => {
      this.imageLayer.batchDraw();
      deps.onSources?.(sources);
    });

    const { viewport, document: doc, tool } = session;
    this.unsubscribe.push(
      viewport.subscribe((s, prev) => {
        if (s.scale !== prev.scale || s.x !== prev.x || s.y !== prev.y || s.stage !== prev.stage) this.redrawAll();
        else if (s.hiddenClassIds !== prev.hiddenClassIds) this.redrawBoxes();
        else if (s.pointer !== prev.pointer) this.overlayLayer.batchDraw();
      }),
      doc.subscribe((s, prev) => {
        if (s.byId !== prev.byId || s.imageId !== prev.imageId) this.redrawBoxes();
      }),
      session.suggestions.subscribe((s, prev) => {
        if (s.items !== prev.items) this.boxLayer.batchDraw();
      }),
      tool.subscribe((s, prev) => {
        const before = prev.preview?.kind === 'transform' ? prev.preview.rects : null;
        const now = s.preview?.kind === 'transform' ? s.preview.rects : null;
        // The boxes layer leaves out the boxes being dragged: it redraws when a drag starts or
        // ends, not on every move of it.
        if ((before === null) !== (now === null) || s.suggestionId !== prev.suggestionId) this.boxLayer.batchDraw();
        if (s.preview !== prev.preview || s.selectedIds !== prev.selectedIds || s.hoverId !== prev.hoverId || s.mode !== prev.mode || s.state !== prev.state) this.overlayLayer.batchDraw();
        if (s.cursor !== prev.cursor) this.updateCursor();
      }),
    );

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();

    container.addEventListener('pointerdown', this.onPointerDown);
    container.addEventListener('pointermove', this.onPointerMove);
    container.addEventListener('pointerup', this.onPointerUp);
    container.addEventListener('pointercancel', this.onPointerCancel);
    container.addEventListener('lostpointercapture', this.onLostCapture);
    container.addEventListener('pointerleave', this.onPointerLeave);
    container.addEventListener('pointerenter', this.onPointerEnter);
    container.addEventListener('wheel', this.onWheel, { passive: false });
    container.addEventListener('contextmenu', this.onContextMenu);
    container.addEventListener('auxclick', this.onContextMenu);
    this.updateCursor();
  }

  /** The image to show; its size goes to the viewport through the session. */
  setImage(image: ImageRecord | null): void {
    this.image = image;
    this.loader.open(image);
    this.redrawAll();
  }

  setClasses(classes: readonly ClassDef[]): void {
    this.styles = new Map(classes.map((c) => [c.id, { color: c.color, name: c.name }]));
    this.redrawBoxes();
  }

  /** Space held: a drag pans instead of drawing. */
  setSpaceDown(down: boolean): void {
    if (this.spaceDown === down) return;
    this.spaceDown = down;
    this.updateCursor();
  }

  get sources(): ImageSources {
    return this.loader.current;
  }

  /** Page (client) coordinates of an image point: what tests and benches click at. */
  clientPoint(imagePoint: { x: number; y: number }): { x: number; y: number } {
    const b = this.container.getBoundingClientRect();
    const p = toStagePoint(this.deps.session.viewport.getState(), imagePoint);
    return { x: b.left + p.x, y: b.top + p.y };
  }

  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.resizeObserver.disconnect();
    const c = this.container;
    c.removeEventListener('pointerdown', this.onPointerDown);
    c.removeEventListener('pointermove', this.onPointerMove);
    c.removeEventListener('pointerup', this.onPointerUp);
    c.removeEventListener('pointercancel', this.onPointerCancel);
    c.removeEventListener('lostpointercapture', this.onLostCapture);
    c.removeEventListener('pointerleave', this.onPointerLeave);
    c.removeEventListener('pointerenter', this.onPointerEnter);
    c.removeEventListener('wheel', this.onWheel);
    c.removeEventListener('contextmenu', this.onContextMenu);
    c.removeEventListener('auxclick', this.onContextMenu);
    this.loader.dispose();
    this.stage.destroy();
  }

  // Drawing.

  private customShape(draw: (ctx: Paint2D) => void): Konva.Shape {
    return new Konva.Shape({
      listening: false,
      perfectDrawEnabled: false,
      shadowForStrokeEnabled: false,
      // The native context: Konva's wrapper adds a call per method, and this draws thousands.
      sceneFunc: (context) => draw((context as unknown as { _context: CanvasRenderingContext2D })._context),
    });
  }

  private redrawAll(): void {
    this.imageLayer.batchDraw();
    this.boxLayer.batchDraw();
    this.overlayLayer.batchDraw();
  }

  private redrawBoxes(): void {
    this.boxLayer.batchDraw();
    this.overlayLayer.batchDraw();
  }

  private style = (classId: number): ClassStyle => this.styles.get(classId) ?? { color: FALLBACK_COLOR, name: `class ${classId}` };

  private drawImage(ctx: Paint2D): void {
    const image = this.image;
    if (!image) return;
    const vp = this.deps.session.viewport.getState();
    const sources = this.loader.current;
    if (sources.imageId !== image.id) return;
    paintImage(ctx, sourceFor(sources, image.width, vp.scale), { width: image.width, height: image.height }, vp, vp.stage);
  }

  private drawBoxes(ctx: Paint2D): void {
    const { viewport, document: doc, tool } = this.deps.session;
    const vp = viewport.getState();
    const d = doc.getState();
    const preview = tool.getState().preview;
    const skip = preview?.kind === 'transform' ? new Set(preview.rects.keys()) : null;
    const started = performance.now();
    const result = paintBoxes(ctx, { annotations: d.byId.values(), transform: vp, stage: vp.stage, style: this.style, hidden: vp.hiddenClassIds, skip });
    const suggested = this.deps.session.suggestions.getState();
    if (suggested.imageId !== null && suggested.imageId === d.imageId) {
      paintSuggestions(ctx, { suggestions: suggested.items, nextId: this.deps.session.nextSuggestion()?.id, transform: vp, style: this.style, hidden: vp.hiddenClassIds });
    }
    this.paint.at = performance.now();
    this.paint.ms = this.paint.at - started;
    this.paint.totalMs += this.paint.ms;
    this.paint.drawn = result.drawn;
    this.paint.version = d.version;
    this.paint.paints++;
  }

  private drawOverlay(ctx: Paint2D): void {
    if (!this.deps.editable) return;
    const { viewport, document: doc, tool } = this.deps.session;
    const vp = viewport.getState();
    const t = tool.getState();
    const image = this.image ? { width: this.image.width, height: this.image.height } : null;
    const crosshairState = t.state === 'idle' || t.state === 'drawing' || t.state === 'pointing_canvas';
    const crosshair =
      t.mode === 'draw' && crosshairState && vp.pointer && image && vp.pointer.x >= 0 && vp.pointer.y >= 0 && vp.pointer.x <= image.width && vp.pointer.y <= image.height && !t.hoverHandle && (t.state !== 'idle' || !t.hoverId)
        ? vp.pointer
        : null;
    const active = t.activeClassId !== null ? this.style(t.activeClassId).color : FALLBACK_COLOR;
    paintOverlay(ctx, {
      transform: vp,
      stage: vp.stage,
      image,
      style: this.style,
      annotations: doc.getState().byId,
      selectedIds: t.selectedIds,
      hoverId: t.state === 'idle' ? t.hoverId : null,
      hidden: vp.hiddenClassIds,
      transformed: t.preview?.kind === 'transform' ? t.preview.rects : null,
      drawRect: t.preview?.kind === 'draw' ? t.preview.rect : null,
      drawColor: active,
      marquee: t.preview?.kind === 'marquee' ? t.preview.rect : null,
      crosshair,
    });
  }

  private resize(): void {
    const width = Math.max(1, this.container.clientWidth);
    const height = Math.max(1, this.container.clientHeight);
    this.bounds = this.container.getBoundingClientRect();
    if (this.stage.width() !== width || this.stage.height() !== height) this.stage.size({ width, height });
    this.deps.session.viewport.getState().setStageSize({ width, height });
    this.redrawAll();
  }

  private updateCursor(): void {
    const cursor = this.panning ? 'grabbing' : this.spaceDown ? 'grab' : this.deps.editable ? this.deps.session.tool.getState().cursor : 'default';
    if (this.container.style.cursor !== cursor) this.container.style.cursor = cursor;
  }

  // Input.

  private stagePoint(e: PointerEvent | WheelEvent): { x: number; y: number } {
    return { x: e.clientX - this.bounds.left, y: e.clientY - this.bounds.top };
  }

  private toolEvent(e: PointerEvent): ToolPointerEvent {
    const screen = this.stagePoint(e);
    return { point: toImagePoint(this.deps.session.viewport.getState(), screen), screen, shift: e.shiftKey, mod: e.ctrlKey || e.metaKey, alt: e.altKey };
  }

  private onPointerDown = (e: PointerEvent): void => {
    this.bounds = this.container.getBoundingClientRect();
    // Keep keyboard focus on the labeler, not on a panel button clicked before.
    if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body && !this.container.contains(document.activeElement)) {
      const focusTarget = this.container.closest<HTMLElement>('[tabindex]');
      focusTarget?.focus({ preventScroll: true });
    }
    if (e.button === 1 || (e.button === 0 && this.spaceDown) || (e.button === 0 && !this.deps.editable)) {
      e.preventDefault();
      this.panning = { pointerId: e.pointerId, lastX: e.clientX, lastY: e.clientY };
      this.capture(e.pointerId);
      this.updateCursor();
      return;
    }
    if (e.button !== 0 || !this.deps.editable) return;
    e.preventDefault();
    this.toolPointer = e.pointerId;
    this.capture(e.pointerId);
    this.deps.session.boxTool.pointerDown(this.toolEvent(e));
  };

  /** Keeps the pointer's events coming while it is outside the stage, for the rest of the drag. */
  private capture(pointerId: number): void {
    try {
      this.container.setPointerCapture(pointerId);
    } catch {
      // A pointer the browser does not know as active (a synthetic event): no capture needed.
    }
  }

  private onPointerMove = (e: PointerEvent): void => {
    const { viewport, boxTool } = this.deps.session;
    if (this.panning && e.pointerId === this.panning.pointerId) {
      viewport.getState().panBy(e.clientX - this.panning.lastX, e.clientY - this.panning.lastY);
      this.panning.lastX = e.clientX;
      this.panning.lastY = e.clientY;
      return;
    }
    const event = this.toolEvent(e);
    viewport.getState().setPointer(event.point);
    if (!this.deps.editable) return;
    if (this.toolPointer !== null && e.pointerId !== this.toolPointer) return;
    boxTool.pointerMove(event);
  };

  private onPointerUp = (e: PointerEvent): void => {
    if (this.panning && e.pointerId === this.panning.pointerId) {
      this.endPan();
      return;
    }
    if (this.toolPointer === null || e.pointerId !== this.toolPointer) return;
    this.toolPointer = null;
    this.deps.session.boxTool.pointerUp(this.toolEvent(e));
  };

  private onPointerCancel = (e: PointerEvent): void => {
    if (this.panning && e.pointerId === this.panning.pointerId) this.endPan();
    if (this.toolPointer === e.pointerId) {
      this.toolPointer = null;
      this.deps.session.boxTool.cancel();
    }
  };

  private onLostCapture = (e: PointerEvent): void => {
    // The drag ended outside the window or the capture was taken away: do not leave a gesture
    // hanging. A normal pointerup has been handled already (toolPointer is null by then).
    this.onPointerCancel(e);
  };

  private onPointerEnter = (): void => {
    // The panels around the stage may have moved it without resizing it.
    this.bounds = this.container.getBoundingClientRect();
  };

  private onPointerLeave = (): void => {
    if (this.toolPointer === null && !this.panning) this.deps.session.viewport.getState().setPointer(null);
  };

  private endPan(): void {
    if (this.panning && this.container.hasPointerCapture(this.panning.pointerId)) this.container.releasePointerCapture(this.panning.pointerId);
    this.panning = null;
    this.updateCursor();
  }

  private onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    const vp = this.deps.session.viewport.getState();
    vp.zoomAt(this.stagePoint(e), wheelZoomFactor(e.deltaY, e.deltaMode));
  };

  private onContextMenu = (e: Event): void => {
    e.preventDefault();
  };
}
