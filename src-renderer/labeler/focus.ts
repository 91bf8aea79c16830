/**
 * What the labeler puts in front of the user when it opens an image for a reason (a likely label
 * error from the Evaluation tab): the drawn box to fix, selected so that Delete or a digit fixes
 * it, and the model suggestion that `Y` and `X` act on. Both are described by class and place,
 * not by id: the evaluation saw the labels as they were when it ran, and the suggestions are
 * written anew each time a finding is opened.
 */
import { iou, type Rect } from './geometry.js';

export interface FocusTarget extends Partial<Rect> {
  classId: number;
}

export interface LabelerFocus {
  /** The drawn box (or tag) to select. */
  annotation?: FocusTarget;
  /** The suggestion `Y` and `X` act on first. */
  suggestion?: FocusTarget;
}

/** A box that overlaps the target less than this is another box. */
const SAME_BOX_IOU = 0.5;

interface Candidate extends Partial<Rect> {
  id: string;
  classId: number;
  kind: string;
}

function rectOfTarget(t: Partial<Rect>): Rect | null {
  return t.x === undefined || t.y === undefined || t.w === undefined || t.h === undefined ? null : { x: t.x, y: t.y, w: t.w, h: t.h };
}

/**
 * The candidate the target names: of its class and, for a box, the one that overlaps it most (by
 * half at least); for a tag, the first of its class. Null when none fits.
 */
export function findTarget(candidates: Iterable<Candidate>, target: FocusTarget): string | null {
  const want = rectOfTarget(target);
  let best: { id: string; overlap: number } | null = null;
  for (const c of candidates) {
    if (c.classId !== target.classId) continue;
    const have = rectOfTarget(c);
    if (!want || !have) {
      if (!want && c.kind === 'tag') return c.id;
      continue;
    }
    const overlap = iou(want, have);
    if (overlap >= SAME_BOX_IOU && (!best || overlap > best.overlap)) best = { id: c.id, overlap };
  }
  return best?.id ?? null;
}
