/**
 * Likely label errors in one image: where the model, confident, disagrees with what was drawn.
 *
 * - `extra`: a prediction at `minConfidence` or more that overlaps every label by less than
 *   `extraMaxIou`: an object nobody drew. Ranked by its confidence.
 * - `missed`: a label that no prediction at `missConfidence` or more overlaps by `matchIou`: a box
 *   drawn where the model sees nothing (or a hard object). Ranked by its size, and by how little
 *   any prediction overlaps it: a big box nothing comes near is the likeliest mistake.
 * - `class`: a label whose most confident overlapping prediction (at `minConfidence` or more) is of
 *   another class, with no confident prediction of its own class. Ranked by that confidence.
 *
 * A finding's id names it across re-evaluations of the same run: its kind, image, class and box
 * rounded to whole pixels. Pure functions.
 */
import type { EvaluationBox, Finding, FindingKind, FindingThresholds } from '@shared';
import { boxIou, type ClassedBox, type ScoredBox } from './detection-matching.js';
import type { EvaluatedClass } from './detection-metrics.js';

/** A finding as stored: everything but whether it is ignored, which is kept apart. */
export type NewFinding = Omit<Finding, 'ignored'>;

export interface FindingImage {
  imageId: number;
  name: string;
  width: number;
  height: number;
}

/** A missed box whose side is this share of the image's (or more) counts fully. */
const FULL_SIZE_SIDE = 0.25;

export function findingId(kind: FindingKind, imageId: number, classId: number, box?: EvaluationBox): string {
  const where = box ? `:${[box.x, box.y, box.w, box.h].map((v) => Math.round(v)).join(',')}` : '';
  return `${kind}:${imageId}:${classId}${where}`;
}

/** Most likely first; equal scores by image, then id, so the order never depends on timing. */
export function rankFindings<F extends Pick<Finding, 'score' | 'imageId' | 'id'>>(findings: readonly F[]): F[] {
  return [...findings].sort((a, b) => b.score - a.score || a.imageId - b.imageId || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function boxOf(b: EvaluationBox): EvaluationBox {
  return { x: b.x, y: b.y, w: b.w, h: b.h };
}

export function detectionFindings(image: FindingImage, labels: readonly ClassedBox[], predictions: readonly ScoredBox[], classes: readonly EvaluatedClass[], t: FindingThresholds): NewFinding[] {
  const named = (b: ClassedBox) => ({ ...boxOf(b), classId: classes[b.classIndex].id, className: classes[b.classIndex].name });
  const base = { imageId: image.imageId, imageName: image.name, width: image.width, height: image.height };
  const sorted = [...predictions].sort((a, b) => b.confidence - a.confidence);
  const out: NewFinding[] = [];

  const extras: ScoredBox[] = [];
  for (const p of sorted) {
    if (p.confidence < t.minConfidence) break;
    const iou = Math.max(0, ...labels.map((l) => boxIou(l, p)));
    // One finding per object: a weaker prediction over an extra one already found is the same object.
    if (iou >= t.extraMaxIou || extras.some((e) => boxIou(e, p) >= t.matchIou)) continue;
    extras.push(p);
    const predicted = named(p);
    out.push({ ...base, id: findingId('extra', image.imageId, predicted.classId, p), kind: 'extra', score: p.confidence, confidence: p.confidence, predicted, label: null, iou });
  }

  const sure = sorted.filter((p) => p.confidence >= t.missConfidence);
  for (const l of labels) {
    const label = named(l);
    const overlapping = sure.filter((p) => boxIou(l, p) >= t.matchIou);
    if (overlapping.length === 0) {
      const iou = Math.max(0, ...sure.map((p) => boxIou(l, p)));
      const side = Math.sqrt((l.w * l.h) / Math.max(1, image.width * image.height));
      const score = (1 - iou) * Math.min(1, side / FULL_SIZE_SIDE);
      out.push({ ...base, id: findingId('missed', image.imageId, label.classId, l), kind: 'missed', score, confidence: null, predicted: null, label, iou });
      continue;
    }
    const top = overlapping[0];
    const ownClassSure = overlapping.some((p) => p.classIndex === l.classIndex && p.confidence >= t.minConfidence);
    if (top.classIndex !== l.classIndex && top.confidence >= t.minConfidence && !ownClassSure) {
      const predicted = named(top);
      out.push({ ...base, id: findingId('class', image.imageId, predicted.classId, l), kind: 'class', score: top.confidence, confidence: top.confidence, predicted, label, iou: boxIou(l, top) });
    }
  }
  return out;
}

/** A classifier's finding: its top class, confident, is none of the image's tags. */
export function classificationFindings(image: FindingImage, tags: readonly number[], ranked: readonly { classIndex: number; confidence: number }[], classes: readonly EvaluatedClass[], t: FindingThresholds): NewFinding[] {
  const top = ranked[0];
  if (!top || top.classIndex < 0 || tags.length === 0 || tags.includes(top.classIndex) || top.confidence < t.minConfidence) return [];
  const predicted = { classId: classes[top.classIndex].id, className: classes[top.classIndex].name };
  const label = { classId: classes[tags[0]].id, className: classes[tags[0]].name };
  return [
    {
      id: findingId('class', image.imageId, predicted.classId),
      imageId: image.imageId,
      imageName: image.name,
      width: image.width,
      height: image.height,
      kind: 'class',
      score: top.confidence,
      confidence: top.confidence,
      predicted,
      label,
      iou: null,
    },
  ];
}
