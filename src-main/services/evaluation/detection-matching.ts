/**
 * Which predictions of one image are right, as Ultralytics decides it: `match_predictions` (the
 * detection validator: per IoU threshold, same-class pairs by IoU, one label per prediction and
 * one prediction per label) and `ConfusionMatrix.process_batch` (class-agnostic pairs above
 * IoU 0.45 for detections above conf 0.25; a background row and column for misses and false
 * detections). Pure functions, on boxes in image pixels.
 */
import { linspace } from './average-precision.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A label or prediction, its class as an index into the evaluated classes. */
export interface ClassedBox extends Box {
  classIndex: number;
}

export interface ScoredBox extends ClassedBox {
  confidence: number;
}

/** The ten IoU thresholds of mAP50-95: 0.50, 0.55, …, 0.95. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);

export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.w * a.h + b.w * b.h - inter + 1e-7);
}

/** IoU of every label (rows) with every prediction (columns). */
export function iouMatrix(labels: readonly Box[], predictions: readonly Box[]): number[][] {
  return labels.map((l) => predictions.map((p) => boxIou(l, p)));
}

type Pair = { label: number; pred: number; iou: number };

/** numpy's `argsort()[::-1]` on small arrays: by IoU, highest first, equal ones in reverse order of appearance. */
function byIouDescending(pairs: readonly Pair[]): Pair[] {
  return pairs
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.iou - b.p.iou || a.i - b.i)
    .reverse()
    .map((e) => e.p);
}

/** numpy.unique(key, return_index=True): the first pair of each key, ordered by key. */
function firstOfEach(pairs: readonly Pair[], key: 'label' | 'pred'): Pair[] {
  const first = new Map<number, Pair>();
  for (const p of pairs) if (!first.has(p[key])) first.set(p[key], p);
  return [...first.values()].sort((a, b) => a[key] - b[key]);
}

/** The pairs of row-major (label, prediction) cells that pass `keep`, in numpy.nonzero's order. */
function pairsWhere(iou: readonly number[][], keep: (v: number) => boolean): Pair[] {
  const pairs: Pair[] = [];
  iou.forEach((row, label) => row.forEach((v, pred) => keep(v) && pairs.push({ label, pred, iou: v })));
  return pairs;
}

/**
 * Per prediction, whether it is a true positive at each IoU threshold (Ultralytics'
 * `match_predictions` without scipy). Predictions are in the detector's order, most confident first.
 */
export function matchPredictions(labels: readonly ClassedBox[], predictions: readonly ClassedBox[], thresholds: readonly number[] = IOU_THRESHOLDS): boolean[][] {
  const correct = predictions.map(() => thresholds.map(() => false));
  if (labels.length === 0 || predictions.length === 0) return correct;
  // Pairs of different classes never match.
  const iou = labels.map((l) => predictions.map((p) => (p.classIndex === l.classIndex ? boxIou(l, p) : 0)));
  thresholds.forEach((t, ti) => {
    let matches = pairsWhere(iou, (v) => v >= t);
    if (matches.length > 1) matches = firstOfEach(firstOfEach(byIouDescending(matches), 'pred'), 'label');
    for (const m of matches) correct[m.pred][ti] = true;
  });
  return correct;
}

/** Ultralytics' defaults for the confusion matrix of a validation run. */
export const CONFUSION_CONF = 0.25;
export const CONFUSION_IOU = 0.45;

/**
 * Adds one image to a confusion matrix of `classCount + 1` rows (predicted) and columns (true), the
 * last of each being the background.
 */
export function addToConfusion(matrix: number[][], labels: readonly ClassedBox[], predictions: readonly ScoredBox[], conf = CONFUSION_CONF, iouThreshold = CONFUSION_IOU): void {
  const background = matrix.length - 1;
  const confident = predictions.filter((p) => p.confidence > conf);
  if (labels.length === 0) {
    for (const p of confident) matrix[p.classIndex][background]++;
    return;
  }
  let matches = pairsWhere(iouMatrix(labels, confident), (v) => v > iouThreshold);
  if (matches.length > 1) matches = firstOfEach(byIouDescending(firstOfEach(byIouDescending(matches), 'pred')), 'label');
  labels.forEach((l, i) => {
    const mine = matches.filter((m) => m.label === i);
    if (mine.length === 1) matrix[confident[mine[0].pred].classIndex][l.classIndex]++;
    else matrix[background][l.classIndex]++;
  });
  const matched = new Set(matches.map((m) => m.pred));
  confident.forEach((p, i) => {
    if (!matched.has(i)) matrix[p.classIndex][background]++;
  });
}
