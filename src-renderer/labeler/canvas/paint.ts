/**
 * Drawing boxes fast: boxes are grouped by class so the stroke colour is set once per class,
 * each box is one `strokeRect` on whole pixels (Skia rasterizes those as rectangles; one long
 * path of thousands of rectangles stroked at once measured three times slower to rasterize in
 * software), boxes off screen are skipped, and class names are drawn only when few enough boxes
 * are on screen for them to be read. Coordinates are converted to the stage here, once per box,
 * so lines stay one crisp width at every zoom.
 */
import type { Annotation, BoxAnnotation } from '@shared';
import { HANDLES, handlePoint, type Rect, type Size } from '../geometry.js';
import { toStageRect, type ViewTransform } from '../viewport-store.js';

/** The subset of the 2D context the painters use: the tests hand in a recorder. */
export type Paint2D = Pick<
  CanvasRenderingContext2D,
  | 'beginPath'
  | 'rect'
  | 'stroke'
  | 'fill'
  | 'fillRect'
  | 'strokeRect'
  | 'fillText'
  | 'measureText'
  | 'moveTo'
  | 'lineTo'
  | 'setLineDash'
  | 'save'
  | 'restore'
  | 'drawImage'
  | 'lineWidth'
  | 'strokeStyle'
  | 'fillStyle'
  | 'font'
  | 'textBaseline'
  | 'globalAlpha'
  | 'imageSmoothingEnabled'
>;

export interface ClassStyle {
  color: string;
  name: string;
}

interface BoxPaintInput {
  annotations: Iterable<Annotation>;
  transform: ViewTransform;
  stage: Size;
  style(classId: number): ClassStyle;
  hidden: ReadonlySet<number>;
  /** Boxes drawn elsewhere (being moved or resized, on the drag layer). */
  skip?: ReadonlySet<string> | null;
}

interface BoxPaintResult {
  /** Boxes on screen and drawn. */
  drawn: number;
  /** Class names drawn. */
  labels: number;
}

const BOX_LINE_WIDTH = 2;
/** Class names are drawn when at most this many boxes are on screen… */
const LABELS_MAX_BOXES = 150;
/** …and on boxes at least this wide on screen. */
const LABEL_MIN_BOX_PX = 28;
const LABEL_FONT = '11px system-ui, sans-serif';
const LABEL_HEIGHT = 15;

/** Black or white, whichever reads better on `#rrggbb`. */
function readableOn(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#000';
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 ? '#000' : '#fff';
}

const textWidths = new Map<string, number>();
function labelWidth(ctx: Paint2D, text: string): number {
  let w = textWidths.get(text);
  if (w === undefined) {
    w = Math.ceil(ctx.measureText(text).width) + 8;
    if (textWidths.size > 2000) textWidths.clear();
    textWidths.set(text, w);
  }
  return w;
}

/** A stage rectangle snapped to whole pixels, so 2 px lines are crisp. */
function snapped(r: Rect): Rect {
  const x = Math.round(r.x);
  const y = Math.round(r.y);
  return { x, y, w: Math.max(1, Math.round(r.x + r.w) - x), h: Math.max(1, Math.round(r.y + r.h) - y) };
}

export function paintBoxes(ctx: Paint2D, input: BoxPaintInput): BoxPaintResult {
  const { transform: t, stage, hidden, skip } = input;
  // The visible part of the image, in image pixels, with a margin for line widths.
  const margin = BOX_LINE_WIDTH / t.scale;
  const left = -t.x / t.scale - margin;
  const top = -t.y / t.scale - margin;
  const right = (stage.width - t.x) / t.scale + margin;
  const bottom = (stage.height - t.y) / t.scale + margin;

  // Flat [x, y, w, h, …] per class, in stage pixels.
  const byClass = new Map<number, number[]>();
  let onScreen: BoxAnnotation[] | null = [];
  let drawn = 0;
  for (const a of input.annotations) {
    if (a.kind !== 'box' || hidden.has(a.classId) || (skip && skip.has(a.id))) continue;
    if (a.x > right || a.y > bottom || a.x + a.w < left || a.y + a.h < top) continue;
    let list = byClass.get(a.classId);
    if (!list) {
      list = [];
      byClass.set(a.classId, list);
    }
    const x = Math.round(a.x * t.scale + t.x);
    const y = Math.round(a.y * t.scale + t.y);
    list.push(x, y, Math.max(1, Math.round((a.x + a.w) * t.scale + t.x) - x), Math.max(1, Math.round((a.y + a.h) * t.scale + t.y) - y));
    drawn++;
    if (onScreen) {
      if (onScreen.length < LABELS_MAX_BOXES) onScreen.push(a);
      else onScreen = null;
    }
  }

  ctx.lineWidth = BOX_LINE_WIDTH;
  ctx.setLineDash([]);
  for (const [classId, list] of byClass) {
    ctx.strokeStyle = input.style(classId).color;
    for (let i = 0; i < list.length; i += 4) ctx.strokeRect(list[i], list[i + 1], list[i + 2], list[i + 3]);
  }

  let labels = 0;
  if (onScreen) {
    ctx.font = LABEL_FONT;
    ctx.textBaseline = 'middle';
    for (const a of onScreen) {
      const r = snapped(toStageRect(t, a));
      if (r.w < LABEL_MIN_BOX_PX) continue;
      paintLabel(ctx, r, input.style(a.classId));
      labels++;
    }
  }
  return { drawn, labels };
}

/** A class name in its colour on the top edge of a box (inside it when the box is at the top). */
function paintLabel(ctx: Paint2D, r: Rect, style: ClassStyle): void {
  const w = labelWidth(ctx, style.name);
  const y = r.y - LABEL_HEIGHT >= 0 ? r.y - LABEL_HEIGHT : r.y;
  const x = r.x - BOX_LINE_WIDTH / 2;
  ctx.fillStyle = style.color;
  ctx.fillRect(x, y, w, LABEL_HEIGHT);
  ctx.fillStyle = readableOn(style.color);
  ctx.fillText(style.name, x + 4, y + LABEL_HEIGHT / 2 + 0.5);
}

interface OverlayPaintInput {
  transform: ViewTransform;
  stage: Size;
  image: Size | null;
  style(classId: number): ClassStyle;
  annotations: ReadonlyMap<string, Annotation>;
  selectedIds: ReadonlySet<string>;
  hoverId: string | null;
  hidden: ReadonlySet<number>;
  /** Moved or resized boxes, where they are now. */
  transformed: ReadonlyMap<string, Rect> | null;
  drawRect: Rect | null;
  drawColor: string;
  marquee: Rect | null;
  /** Crosshair guides at this image point. */
  crosshair: { x: number; y: number } | null;
}

const HANDLE_PX = 8;
/** At most this many selected boxes get their own highlight (select-all of 5,000 stays fast). */
const SELECTION_DETAIL_MAX = 300;

/** The layer over the boxes: crosshair, hover, selection with its handles, and gestures. */
export function paintOverlay(ctx: Paint2D, o: OverlayPaintInput): void {
  const t = o.transform;
  if (o.crosshair && o.image) {
    const p = { x: Math.round(o.crosshair.x * t.scale + t.x) + 0.5, y: Math.round(o.crosshair.y * t.scale + t.y) + 0.5 };
    const x0 = Math.max(0, t.x);
    const x1 = Math.min(o.stage.width, t.x + o.image.width * t.scale);
    const y0 = Math.max(0, t.y);
    const y1 = Math.min(o.stage.height, t.y + o.image.height * t.scale);
    ctx.save();
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.55)';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x0, p.y);
    ctx.lineTo(x1, p.y);
    ctx.moveTo(p.x, y0);
    ctx.lineTo(p.x, y1);
    ctx.stroke();
    ctx.restore();
  }

  const rectOf = (id: string): { r: Rect; classId: number } | null => {
    const a = o.annotations.get(id);
    if (!a || a.kind !== 'box' || o.hidden.has(a.classId)) return null;
    return { r: o.transformed?.get(id) ?? a, classId: a.classId };
  };

  if (o.hoverId && !o.selectedIds.has(o.hoverId)) {
    const hit = rectOf(o.hoverId);
    if (hit) {
      const r = snapped(toStageRect(t, hit.r));
      const style = o.style(hit.classId);
      ctx.save();
      ctx.globalAlpha = 0.18;
      ctx.fillStyle = style.color;
      ctx.fillRect(r.x, r.y, r.w, r.h);
      ctx.restore();
      paintLabel(ctx, r, style);
    }
  }

  // Boxes being moved or resized live on this layer until the gesture ends.
  if (o.transformed) {
    for (const [id, geometry] of o.transformed) {
      const a = o.annotations.get(id);
      if (!a) continue;
      const r = snapped(toStageRect(t, geometry));
      const style = o.style(a.classId);
      ctx.lineWidth = BOX_LINE_WIDTH;
      ctx.strokeStyle = style.color;
      ctx.strokeRect(r.x, r.y, r.w, r.h);
    }
  }

  let detailed = 0;
  for (const id of o.selectedIds) {
    if (detailed++ >= SELECTION_DETAIL_MAX) break;
    const hit = rectOf(id);
    if (!hit) continue;
    const r = snapped(toStageRect(t, hit.r));
    const style = o.style(hit.classId);
    ctx.save();
    ctx.globalAlpha = 0.22;
    ctx.fillStyle = style.color;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.restore();
    ctx.lineWidth = BOX_LINE_WIDTH + 1;
    ctx.strokeStyle = style.color;
    ctx.strokeRect(r.x, r.y, r.w, r.h);
    paintLabel(ctx, r, style);
  }

  if (o.selectedIds.size === 1) {
    const [id] = o.selectedIds;
    const hit = rectOf(id);
    if (hit) {
      const r = toStageRect(t, hit.r);
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#111';
      ctx.fillStyle = '#fff';
      for (const h of HANDLES) {
        const p = handlePoint(r, h);
        const x = Math.round(p.x - HANDLE_PX / 2) + 0.5;
        const y = Math.round(p.y - HANDLE_PX / 2) + 0.5;
        ctx.fillRect(x, y, HANDLE_PX, HANDLE_PX);
        ctx.strokeRect(x, y, HANDLE_PX, HANDLE_PX);
      }
    }
  }

  if (o.drawRect) {
    const r = snapped(toStageRect(t, o.drawRect));
    ctx.save();
    ctx.globalAlpha = 0.15;
    ctx.fillStyle = o.drawColor;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.restore();
    ctx.lineWidth = BOX_LINE_WIDTH;
    ctx.strokeStyle = o.drawColor;
    ctx.strokeRect(r.x, r.y, r.w, r.h);
  }

  if (o.marquee) {
    const r = snapped(toStageRect(t, o.marquee));
    ctx.save();
    ctx.fillStyle = 'rgba(79, 156, 247, 0.12)';
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#4f9cf7';
    ctx.setLineDash([5, 4]);
    ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w, r.h);
    ctx.restore();
  }
}

/**
 * The image, scaled to its real size in image pixels whatever the source's own size (a
 * ≤2048 px preview stands in for a huge original until that is decoded).
 */
export function paintImage(ctx: Paint2D, source: { image: CanvasImageSource; width: number; height: number } | null, image: Size, t: ViewTransform, stage: Size): void {
  if (!source || image.width <= 0 || image.height <= 0) return;
  // Only the part on screen: a 8000 px image zoomed in is not scaled as a whole each frame.
  const x0 = Math.max(0, -t.x / t.scale);
  const y0 = Math.max(0, -t.y / t.scale);
  const x1 = Math.min(image.width, (stage.width - t.x) / t.scale);
  const y1 = Math.min(image.height, (stage.height - t.y) / t.scale);
  if (x1 <= x0 || y1 <= y0) return;
  const sx = source.width / image.width;
  const sy = source.height / image.height;
  // Pixels stay sharp when zoomed in far enough to label single pixels.
  ctx.imageSmoothingEnabled = t.scale * Math.min(sx, sy) < 3;
  ctx.drawImage(source.image, x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy, x0 * t.scale + t.x, y0 * t.scale + t.y, (x1 - x0) * t.scale, (y1 - y0) * t.scale);
}

interface SuggestionPaintInput {
  suggestions: Iterable<{ id?: string; kind: string; classId: number; confidence: number; x?: number; y?: number; w?: number; h?: number }>;
  /** The suggestion `Y` and `X` act on: drawn at full opacity. */
  nextId?: string | null;
  transform: ViewTransform;
  style(classId: number): ClassStyle;
  hidden: ReadonlySet<number>;
}

/** Opacity of a model suggestion's outline and label: fainter than the annotations. */
export const SUGGESTION_ALPHA = 0.6;

/**
 * Model suggestions, apart from the annotations: a dashed, fainter outline in the class colour
 * with the class name and confidence; the one the keys act on as bright as a box. Few per image,
 * so no batching.
 */
export function paintSuggestions(ctx: Paint2D, input: SuggestionPaintInput): number {
  const t = input.transform;
  let drawn = 0;
  ctx.save();
  ctx.globalAlpha = SUGGESTION_ALPHA;
  ctx.lineWidth = BOX_LINE_WIDTH;
  ctx.setLineDash([6, 4]);
  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  for (const s of input.suggestions) {
    if (s.kind !== 'box' || s.x === undefined || s.y === undefined || s.w === undefined || s.h === undefined || input.hidden.has(s.classId)) continue;
    const r = snapped(toStageRect(t, { x: s.x, y: s.y, w: s.w, h: s.h }));
    const style = input.style(s.classId);
    ctx.globalAlpha = s.id !== undefined && s.id === input.nextId ? 1 : SUGGESTION_ALPHA;
    ctx.strokeStyle = style.color;
    ctx.strokeRect(r.x, r.y, r.w, r.h);
    paintLabel(ctx, { x: r.x, y: r.y + r.h + LABEL_HEIGHT, w: r.w, h: 0 }, { color: style.color, name: `${style.name} ${s.confidence.toFixed(2)}?` });
    drawn++;
  }
  ctx.restore();
  return drawn;
}
