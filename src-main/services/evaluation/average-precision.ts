/**
 * Average precision and the precision, recall and F1 curves, with the semantics of Ultralytics'
 * `ap_per_class` and `compute_ap` (ultralytics/utils/metrics.py): detections sorted by
 * confidence, AP as the 101-point trapezoid of the monotone precision envelope, curves sampled
 * at 1000 confidences, and P/R/F1 read where the smoothed mean F1 is highest. Pure functions.
 */

/** The confidence (and recall) axis of the curves: 1000 points from 0 to 1, as Ultralytics draws them. */
export const CURVE_POINTS = 1000;
const EPS = 1e-16;

export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/**
 * numpy.interp: the piecewise-linear function through (xp, fp) at x, for non-decreasing xp; where
 * xp repeats a value, the last of its points counts. `left`/`right` outside (default: the ends).
 */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left?: number, right?: number): number {
  const n = xp.length;
  if (n === 0) throw new Error('interp needs at least one point');
  if (x < xp[0]) return left ?? fp[0];
  if (x > xp[n - 1]) return right ?? fp[n - 1];
  // The last j with xp[j] <= x.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xp[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  if (lo === n - 1 || xp[lo] === x) return fp[lo];
  return fp[lo] + ((fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo])) * (x - xp[lo]);
}

/** The area under y(x) by the trapezoid rule (numpy.trapezoid). */
export function trapezoid(y: readonly number[], x: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < y.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

const AP_RECALLS = linspace(0, 1, 101);

/**
 * AP of one precision-recall curve (points in confidence order): sentinels at both ends, the
 * precision envelope (the best precision at this recall or beyond), integrated at 101 recalls.
 */
export function computeAp(recall: readonly number[], precision: readonly number[]): { ap: number; mrec: number[]; mpre: number[] } {
  const mrec = [0, ...recall, recall.length ? recall[recall.length - 1] : 1, 1];
  const mpre = [1, ...precision, 0, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  const ap = trapezoid(
    AP_RECALLS.map((r) => interp(r, mrec, mpre)),
    AP_RECALLS,
  );
  return { ap, mrec, mpre };
}

/** A box filter over a fraction f of the points, ends padded with the end values (Ultralytics' `smooth`). */
export function smooth(y: readonly number[], f = 0.05): number[] {
  const nf = Math.floor(Math.round(y.length * f * 2) / 2) + 1;
  const pad = Math.floor(nf / 2);
  const padded = [...new Array<number>(pad).fill(y[0]), ...y, ...new Array<number>(pad).fill(y[y.length - 1])];
  const weight = 1 / nf;
  // Each window summed afresh (numpy.convolve's way), so equal windows give equal values and
  // the first of equal maxima wins, as with numpy.argmax.
  return y.map((_, i) => {
    let sum = 0;
    for (let k = i; k < i + nf; k++) sum += padded[k] * weight;
    return sum;
  });
}

/** Every detection of a set of images, as `ap_per_class` takes them (flat arrays: a test split may hold millions). */
export interface DetectionStats {
  /** How many IoU thresholds each detection was matched at. */
  thresholds: number;
  /** Per detection, a bit per IoU threshold: set where it is a true positive. */
  tp: number[];
  conf: number[];
  predClass: number[];
  /** The class of every label. */
  targetClass: number[];
}

export interface ApPerClass {
  /** The classes that have labels, ascending; every array below follows this order. */
  classes: number[];
  /** Labels per class. */
  labels: number[];
  /** AP per class and IoU threshold. */
  ap: number[][];
  /** Precision, recall and F1 at `bestIndex` of the curves. */
  precision: number[];
  recall: number[];
  f1: number[];
  /** The confidence axis of the curves (`CURVE_POINTS` from 0 to 1), also the recall axis of `prAt50`. */
  x: number[];
  pCurve: number[][];
  rCurve: number[][];
  f1Curve: number[][];
  /** Precision at each recall of `x`, IoU 0.5 (zero for a class with no detections). */
  prAt50: number[][];
  /** Where the smoothed mean F1 is highest. */
  bestIndex: number;
}

/**
 * Ultralytics' `ap_per_class`: per class with labels, the cumulative TP/FP in confidence order, AP
 * at each IoU threshold, and the precision, recall and F1 curves against the confidence.
 */
export function apPerClass(stats: DetectionStats): ApPerClass {
  const { thresholds } = stats;
  const order = stats.conf.map((_, i) => i).sort((a, b) => stats.conf[b] - stats.conf[a] || a - b);
  const conf = order.map((i) => stats.conf[i]);
  const negConf = conf.map((c) => -c);
  const counts = new Map<number, number>();
  for (const c of stats.targetClass) counts.set(c, (counts.get(c) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const x = linspace(0, 1, CURVE_POINTS);
  const zeros = () => new Array<number>(CURVE_POINTS).fill(0);
  const out: ApPerClass = { classes, labels: classes.map((c) => counts.get(c)!), ap: [], precision: [], recall: [], f1: [], x, pCurve: [], rCurve: [], f1Curve: [], prAt50: [], bestIndex: 0 };

  // Each class's detections, as positions in confidence order.
  const byClass = new Map<number, number[]>(classes.map((c) => [c, []]));
  order.forEach((i, k) => byClass.get(stats.predClass[i])?.push(k));

  for (const cls of classes) {
    const mine = byClass.get(cls)!;
    const nl = counts.get(cls)!;
    const ap = new Array<number>(thresholds).fill(0);
    let pCurve = zeros();
    let rCurve = zeros();
    let pr = zeros();
    if (mine.length > 0) {
      const xp = mine.map((k) => negConf[k]);
      for (let t = 0; t < thresholds; t++) {
        let tpc = 0;
        const recall: number[] = [];
        const precision: number[] = [];
        for (let n = 0; n < mine.length; n++) {
          if (stats.tp[order[mine[n]]] & (1 << t)) tpc++;
          recall.push(tpc / (nl + EPS));
          precision.push(tpc / (n + 1));
        }
        const curve = computeAp(recall, precision);
        ap[t] = curve.ap;
        if (t === 0) {
          rCurve = x.map((v) => interp(-v, xp, recall, 0));
          pCurve = x.map((v) => interp(-v, xp, precision, 1));
          pr = x.map((v) => interp(v, curve.mrec, curve.mpre));
        }
      }
    }
    out.ap.push(ap);
    out.pCurve.push(pCurve);
    out.rCurve.push(rCurve);
    out.prAt50.push(pr);
    out.f1Curve.push(pCurve.map((p, i) => (2 * p * rCurve[i]) / (p + rCurve[i] + EPS)));
  }

  if (classes.length > 0) {
    const meanF1 = x.map((_, i) => out.f1Curve.reduce((s, c) => s + c[i], 0) / classes.length);
    const smoothed = smooth(meanF1, 0.1);
    out.bestIndex = smoothed.reduce((best, v, i) => (v > smoothed[best] ? i : best), 0);
  }
  const i = out.bestIndex;
  out.precision = out.pCurve.map((c) => c[i]);
  out.recall = out.rCurve.map((c) => c[i]);
  out.f1 = out.f1Curve.map((c) => c[i]);
  return out;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
