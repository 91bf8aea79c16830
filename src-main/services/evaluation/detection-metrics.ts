/**
 * A detector's figures over a set of images: each image's labels and predictions are matched as
 * Ultralytics' validator does (detection-matching.ts), gathered, and turned into per-class and
 * mean precision, recall, F1, AP50 and AP50-95, the curves and the confusion matrix
 * (average-precision.ts).
 */
import type { ClassEvaluation, CurveSet, DetectionEvaluation } from '@shared';
import { apPerClass, mean, smooth, type DetectionStats } from './average-precision.js';
import { addToConfusion, IOU_THRESHOLDS, matchPredictions, type ClassedBox, type ScoredBox } from './detection-matching.js';

/** Points kept of each curve: every 0.01 of its axis. */
const KEPT_POINTS = 101;
/** Above this many classes, only the mean curves are kept. */
const PER_CLASS_CURVES_LIMIT = 100;
/** Above this many classes, no confusion matrix (as the training results). */
const CONFUSION_LIMIT = 300;

export interface EvaluatedClass {
  id: number;
  name: string;
}

export class DetectionAccumulator {
  private readonly stats: DetectionStats = { thresholds: IOU_THRESHOLDS.length, tp: [], conf: [], predClass: [], targetClass: [] };
  private readonly imagesWith: number[];
  private readonly confusion: number[][] | null;

  /** `classes`: the project's classes; a box's `classIndex` is its position here. */
  constructor(private readonly classes: readonly EvaluatedClass[]) {
    this.imagesWith = classes.map(() => 0);
    const n = classes.length + 1;
    this.confusion = classes.length <= CONFUSION_LIMIT ? Array.from({ length: n }, () => new Array<number>(n).fill(0)) : null;
  }

  /** One image: its labels, and the model's predictions (any order; matched most confident first). */
  add(labels: readonly ClassedBox[], predictions: readonly ScoredBox[]): void {
    const sorted = [...predictions].sort((a, b) => b.confidence - a.confidence);
    const correct = matchPredictions(labels, sorted);
    sorted.forEach((p, i) => {
      this.stats.tp.push(correct[i].reduce((mask, hit, t) => (hit ? mask | (1 << t) : mask), 0));
      this.stats.conf.push(p.confidence);
      this.stats.predClass.push(p.classIndex);
    });
    for (const l of labels) this.stats.targetClass.push(l.classIndex);
    for (const c of new Set(labels.map((l) => l.classIndex))) this.imagesWith[c]++;
    if (this.confusion) addToConfusion(this.confusion, labels, sorted);
  }

  result(): DetectionEvaluation {
    const r = apPerClass(this.stats);
    const ap50_95 = r.ap.map((row) => mean(row));
    const perClass: ClassEvaluation[] = r.classes.map((c, i) => ({
      classId: this.classes[c].id,
      name: this.classes[c].name,
      images: this.imagesWith[c],
      instances: r.labels[i],
      precision: r.precision[i],
      recall: r.recall[i],
      f1: r.f1[i],
      ap50: r.ap[i][0],
      ap50_95: ap50_95[i],
    }));
    const keep = (values: readonly number[]) => Array.from({ length: KEPT_POINTS }, (_, k) => values[Math.round((k * (values.length - 1)) / (KEPT_POINTS - 1))]);
    const meanCurve = (curves: number[][]) => r.x.map((_, i) => mean(curves.map((c) => c[i])));
    const curveSet = (curves: number[][], all: number[]): CurveSet => ({
      all: keep(all),
      perClass: r.classes.length <= PER_CLASS_CURVES_LIMIT ? r.classes.map((c, i) => ({ classId: this.classes[c].id, values: keep(curves[i]) })) : [],
    });
    const hasClasses = r.classes.length > 0;
    return {
      task: 'detect',
      precision: mean(r.precision),
      recall: mean(r.recall),
      f1: mean(r.f1),
      map50: mean(r.ap.map((row) => row[0])),
      map50_95: mean(ap50_95),
      bestConfidence: hasClasses ? r.x[r.bestIndex] : 0,
      perClass,
      pr: { recall: keep(r.x), precision: curveSet(r.prAt50, meanCurve(r.prAt50)) },
      byConfidence: {
        confidence: keep(r.x),
        // The mean F1 as Ultralytics draws it ("all classes"): smoothed, so its peak is the best threshold.
        f1: curveSet(r.f1Curve, hasClasses ? smooth(meanCurve(r.f1Curve), 0.1) : r.x.map(() => 0)),
        precision: curveSet(r.pCurve, meanCurve(r.pCurve)),
        recall: curveSet(r.rCurve, meanCurve(r.rCurve)),
      },
      confusion: this.confusion ? { names: [...this.classes.map((c) => c.name), 'background'], matrix: this.confusion } : null,
    };
  }
}
