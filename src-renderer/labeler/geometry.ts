/**
 * Box geometry in image pixels: clamping to the image, rectangles from two corners, resize
 * handles and hit-testing. Nothing here knows about the screen; callers pass tolerances already
 * converted to image pixels by the viewport.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Size {
  width: number;
  height: number;
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** The smallest box, in image pixels, that a resize or a clamp leaves. */
const MIN_BOX_IMAGE_PX = 1;

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** The rectangle spanned by two corners, in any order. */
export function rectFromPoints(a: Point, b: Point): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) };
}

/** Clamps a point into the image. */
export function clampPoint(p: Point, image: Size): Point {
  return { x: clamp(p.x, 0, image.width), y: clamp(p.y, 0, image.height) };
}

/**
 * Cuts a rectangle to the image: the part inside it, or null when nothing of at least
 * `minSize` pixels is left.
 */
export function clipRect(r: Rect, image: Size, minSize = MIN_BOX_IMAGE_PX): Rect | null {
  const x0 = clamp(r.x, 0, image.width);
  const y0 = clamp(r.y, 0, image.height);
  const x1 = clamp(r.x + r.w, 0, image.width);
  const y1 = clamp(r.y + r.h, 0, image.height);
  if (x1 - x0 < minSize || y1 - y0 < minSize) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Moves a rectangle (keeping its size) so it lies inside the image; a rectangle larger than the
 * image is cut to it.
 */
export function shiftInside(r: Rect, image: Size): Rect {
  const w = Math.min(r.w, image.width);
  const h = Math.min(r.h, image.height);
  return { x: clamp(r.x, 0, image.width - w), y: clamp(r.y, 0, image.height - h), w, h };
}

/**
 * The delta that moves a group of rectangles by at most `(dx, dy)` while every one of them stays
 * inside the image: the group moves together and keeps its shape.
 */
export function clampGroupDelta(rects: Iterable<Rect>, dx: number, dy: number, image: Size): Point {
  let minDx = -Infinity;
  let maxDx = Infinity;
  let minDy = -Infinity;
  let maxDy = Infinity;
  for (const r of rects) {
    minDx = Math.max(minDx, -r.x);
    maxDx = Math.min(maxDx, image.width - (r.x + r.w));
    minDy = Math.max(minDy, -r.y);
    maxDy = Math.min(maxDy, image.height - (r.y + r.h));
  }
  // A box already outside the image (imported so) must not make the group jump: allow no move
  // on that axis rather than a move the wrong way.
  const cx = minDx > maxDx ? 0 : clamp(dx, minDx, maxDx);
  const cy = minDy > maxDy ? 0 : clamp(dy, minDy, maxDy);
  return { x: cx, y: cy };
}

/**
 * Resizes a rectangle by dragging one handle to `p`: the opposite edges stay put, the result
 * stays inside the image and never gets smaller than `minSize` (no flipping past the opposite
 * edge: the handle stops there).
 */
export function resizeRect(r: Rect, handle: Handle, p: Point, image: Size, minSize = MIN_BOX_IMAGE_PX): Rect {
  let x0 = r.x;
  let y0 = r.y;
  let x1 = r.x + r.w;
  let y1 = r.y + r.h;
  const px = clamp(p.x, 0, image.width);
  const py = clamp(p.y, 0, image.height);
  if (handle.includes('w')) x0 = Math.min(px, x1 - minSize);
  if (handle.includes('e')) x1 = Math.max(px, x0 + minSize);
  if (handle.includes('n')) y0 = Math.min(py, y1 - minSize);
  if (handle.includes('s')) y1 = Math.max(py, y0 + minSize);
  // The fixed edges may themselves lie outside (an imported box): keep the result inside.
  x0 = clamp(x0, 0, image.width);
  y0 = clamp(y0, 0, image.height);
  x1 = clamp(x1, 0, image.width);
  y1 = clamp(y1, 0, image.height);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

/** Where a handle sits on a rectangle. */
export function handlePoint(r: Rect, handle: Handle): Point {
  const x = handle.includes('w') ? r.x : handle.includes('e') ? r.x + r.w : r.x + r.w / 2;
  const y = handle.includes('n') ? r.y : handle.includes('s') ? r.y + r.h : r.y + r.h / 2;
  return { x, y };
}

/** The handle within `tolerance` of `p` (corners first), or null. */
export function hitHandle(r: Rect, p: Point, tolerance: number): Handle | null {
  let best: Handle | null = null;
  let bestDistance = Infinity;
  for (const handle of HANDLES) {
    const hp = handlePoint(r, handle);
    const d = Math.max(Math.abs(hp.x - p.x), Math.abs(hp.y - p.y));
    // Corners win ties: on a small box the edge handles crowd them.
    const rank = d + (handle.length === 2 ? 0 : 1e-6);
    if (d <= tolerance && rank < bestDistance) {
      best = handle;
      bestDistance = rank;
    }
  }
  return best;
}

export function containsPoint(r: Rect, p: Point, tolerance = 0): boolean {
  return p.x >= r.x - tolerance && p.x <= r.x + r.w + tolerance && p.y >= r.y - tolerance && p.y <= r.y + r.h + tolerance;
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h;
}

/** Intersection over union, 0 to 1: how far two boxes are the same box. */
export function iou(a: Rect, b: Rect): number {
  const span = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const common = span(a.x, a.x + a.w, b.x, b.x + b.w) * span(a.y, a.y + a.h, b.y, b.y + b.h);
  return common > 0 ? common / (a.w * a.h + b.w * b.h - common) : 0;
}

/** Just the rectangle of something that has one (a box annotation), as a new object. */
export function rectOf(r: Rect): Rect {
  return { x: r.x, y: r.y, w: r.w, h: r.h };
}

export function sameRect(a: Rect, b: Rect, epsilon = 1e-6): boolean {
  return Math.abs(a.x - b.x) < epsilon && Math.abs(a.y - b.y) < epsilon && Math.abs(a.w - b.w) < epsilon && Math.abs(a.h - b.h) < epsilon;
}

/** Rounds to 1/100 pixel: what the labeler stores, so numbers stay short and compare equal. */
export function roundRect(r: Rect): Rect {
  // Round the corners, not the size, so a box that ends at the image's edge still does.
  const q = (v: number) => Math.round(v * 100) / 100;
  const x0 = q(r.x);
  const y0 = q(r.y);
  return { x: x0, y: y0, w: q(q(r.x + r.w) - x0), h: q(q(r.y + r.h) - y0) };
}
