/**
 * How far counts, for the box tool: a drag rather than a click, a slip rather than a box, a hit on
 * a handle or an edge.
 */
import type { Point } from '../geometry.js';

/** How far (stage pixels) the pointer moves before a press becomes a drag. */
const DRAG_THRESHOLD_PX = 3;
/** Drawn boxes smaller than this on screen, or than MIN_DRAW_IMAGE_PX in the image, are dropped. */
export const MIN_DRAW_SCREEN_PX = 4;
export const MIN_DRAW_IMAGE_PX = 2;
/** How close (stage pixels) to a handle or an edge counts as on it. */
export const HANDLE_TOLERANCE_PX = 6;
export const EDGE_TOLERANCE_PX = 3;
/** The smallest box a resize leaves, in image pixels. */
export const MIN_RESIZE_IMAGE_PX = 1;

/** Whether the pointer (in stage pixels) went far enough from the press for a drag. */
export function isDrag(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) > DRAG_THRESHOLD_PX || Math.abs(a.y - b.y) > DRAG_THRESHOLD_PX;
}
