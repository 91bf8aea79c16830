/**
 * Copy and paste of boxes. Pasted boxes get new ids; on the image they came from they land
 * offset from the originals (a little further with each paste), on another image where they
 * were; either way they are kept inside the image.
 */
import type { BoxAnnotation, NewAnnotationData } from '@shared';
import { clipRect, roundRect, shiftInside, type Size } from './geometry.js';

export interface BoxClipboard {
  sourceImageId: number;
  boxes: readonly Pick<BoxAnnotation, 'classId' | 'x' | 'y' | 'w' | 'h'>[];
  /** Pastes onto the source image so far: each one lands a step further. */
  pastes: number;
}

/** Image pixels between a box and its pasted copy, per paste, at most this share of the image. */
const PASTE_OFFSET_PX = 12;

export function pasteBoxes(clip: BoxClipboard, targetImageId: number, image: Size, newId: () => string): { boxes: NewAnnotationData[]; clipboard: BoxClipboard } {
  const sameImage = clip.sourceImageId === targetImageId;
  const step = sameImage ? clip.pastes + 1 : 0;
  const offset = Math.min(PASTE_OFFSET_PX, Math.max(1, Math.round(Math.min(image.width, image.height) / 50))) * step;
  const boxes: NewAnnotationData[] = [];
  for (const b of clip.boxes) {
    // A box larger than the target image is cut to it; then it is slid inside.
    const cut = b.w > image.width || b.h > image.height ? clipRect(b, image) : b;
    if (!cut) continue;
    const r = roundRect(shiftInside({ x: cut.x + offset, y: cut.y + offset, w: cut.w, h: cut.h }, image));
    if (r.w <= 0 || r.h <= 0) continue;
    boxes.push({ id: newId(), classId: b.classId, kind: 'box', x: r.x, y: r.y, w: r.w, h: r.h, source: 'manual' });
  }
  return { boxes, clipboard: { ...clip, pastes: sameImage ? step : clip.pastes } };
}

/** Copies of another image's boxes for this one: same place, clamped to this image, new ids. */
export function copyBoxesTo(boxes: readonly BoxAnnotation[], image: Size, newId: () => string): NewAnnotationData[] {
  const out: NewAnnotationData[] = [];
  for (const b of boxes) {
    const r = clipRect(b, image);
    if (!r) continue;
    const q = roundRect(r);
    out.push({ id: newId(), classId: b.classId, kind: 'box', x: q.x, y: q.y, w: q.w, h: q.h, source: 'manual' });
  }
  return out;
}
