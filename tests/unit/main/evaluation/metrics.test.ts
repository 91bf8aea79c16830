/**
 * The evaluation's figures: hand-worked cases for each piece (numpy.interp's semantics, the
 * precision envelope and its 101-point integral, greedy matching, the confusion matrix), then
 * Ultralytics' own figures for 39 random detection sets (tests/fixtures/evaluation, made by
 * make_reference.py with the real `match_predictions`, `ConfusionMatrix` and `ap_per_class`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apPerClass, computeAp, interp, linspace, smooth } from '../../../../src-main/services/evaluation/average-precision.js';
import { addToConfusion, boxIou, matchPredictions, type ClassedBox, type ScoredBox } from '../../../../src-main/services/evaluation/detection-matching.js';
import { DetectionAccumulator } from '../../../../src-main/services/evaluation/detection-metrics.js';
import { ClassificationAccumulator } from '../../../../src-main/services/evaluation/classification-metrics.js';

const box = (classIndex: number, x: number, y: number, w: number, h: number): ClassedBox => ({ classIndex, x, y, w, h });
const pred = (classIndex: number, confidence: number, x: number, y: number, w: number, h: number): ScoredBox => ({ classIndex, confidence, x, y, w, h });

describe('the curve arithmetic', () => {
  it('interpolates as numpy.interp does, the last of repeated x values winning', () => {
    const xp = [0, 0.5, 0.5, 1];
    const fp = [1, 1, 0.6, 0];
    expect(interp(0.25, xp, fp)).toBe(1);
    expect(interp(0.5, xp, fp)).toBe(0.6);
    expect(interp(0.75, xp, fp)).toBeCloseTo(0.3, 12);
    expect(interp(1, xp, fp)).toBe(0);
    expect(interp(-1, xp, fp, 7)).toBe(7);
    expect(interp(2, xp, fp)).toBe(0);
  });

  it('integrates the precision envelope at 101 recalls (worked by hand)', () => {
    // Two labels; by confidence: hit, miss, hit. Recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
    // The envelope is 1 up to recall 0.5, then 2/3 up to 1, then 0: the trapezoids over
    // 0.00…0.49 give 0.49, 0.49→0.50 gives (1 + 2/3)/2·0.01, 0.50…0.99 gives 49·(2/3)·0.01,
    // and 0.99→1.00 gives (2/3)/2·0.01: 0.828333…
    const { ap, mpre } = computeAp([0.5, 0.5, 1], [1, 0.5, 2 / 3]);
    expect(ap).toBeCloseTo(0.49 + (5 / 6) * 0.01 + 49 * (2 / 3) * 0.01 + (1 / 3) * 0.01, 12);
    expect(mpre).toEqual([1, 1, 2 / 3, 2 / 3, 0, 0]);
    // Every prediction right: AP 1 less the last trapezoid's half (Ultralytics' 0.995 for a perfect class).
    expect(computeAp([0.5, 1], [1, 1]).ap).toBeCloseTo(0.995, 12);
  });

  it('smooths with a box filter padded with the end values', () => {
    expect(smooth([0, 0, 3, 0, 0], 0.4)).toEqual([0, 1, 1, 1, 0]);
    // 1000 points at 0.1 (the F1 curve): a window of 101.
    expect(smooth([...new Array(500).fill(0), 101, ...new Array(499).fill(0)], 0.1).filter((v) => v > 0)).toHaveLength(101);
    expect(linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('gives one class its AP at each IoU threshold and P/R/F1 where the mean F1 peaks', () => {
    // Three predictions of class 0 for two labels: right at every threshold, wrong, right only up to IoU 0.7.
    const tp = [0b1111111111, 0, 0b0000011111];
    const r = apPerClass({ thresholds: 10, tp, conf: [0.9, 0.8, 0.6], predClass: [0, 0, 0], targetClass: [0, 0] });
    expect(r.classes).toEqual([0]);
    expect(r.ap[0][0]).toBeCloseTo(0.828333333333, 9);
    // From IoU 0.75 up, one hit of two labels, at the top: AP 0.5 less half a trapezoid.
    expect(r.ap[0][9]).toBeCloseTo(0.495 + 0.005 / 2 - 0.0025, 9);
    // F1 is best at thresholds below 0.6 (all three kept): P 2/3, R 1.
    expect(r.precision[0]).toBeCloseTo(2 / 3, 9);
    expect(r.recall[0]).toBeCloseTo(1, 9);
    expect(r.f1[0]).toBeCloseTo(0.8, 9);
    expect(r.x[r.bestIndex]).toBeLessThan(0.6);
  });
});

describe('matching predictions to labels', () => {
  it('counts a prediction right only on a label of its class, each label once, the better overlap first', () => {
    const labels = [box(0, 0, 0, 10, 10), box(1, 100, 100, 10, 10)];
    const preds = [pred(0, 0.9, 0, 0, 10, 10), pred(0, 0.8, 1, 0, 10, 10), pred(0, 0.7, 100, 100, 10, 10)];
    const correct = matchPredictions(labels, preds);
    // The exact box takes the label; its near twin is a duplicate; the class-0 box on the class-1 label is wrong.
    expect(correct.map((c) => c[0])).toEqual([true, false, false]);
    expect(boxIou(labels[0], preds[1])).toBeCloseTo(90 / 110, 6);
    // At IoU 0.85 the twin (0.818) could not match anyway; the exact box still does.
    expect(correct[0].every(Boolean)).toBe(true);
  });

  it('fills the confusion matrix as Ultralytics does: misses and false detections in the background row and column', () => {
    const m = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const labels = [box(0, 0, 0, 10, 10), box(1, 50, 50, 10, 10), box(1, 80, 80, 10, 10)];
    const preds = [pred(1, 0.9, 0, 0, 10, 10), pred(1, 0.8, 50, 50, 10, 10), pred(0, 0.7, 200, 200, 5, 5), pred(1, 0.1, 80, 80, 10, 10)];
    addToConfusion(m, labels, preds);
    // Rows predicted, columns true: a 0 seen as 1, a 1 seen as 1, a 1 not seen (the 0.1 is below 0.25), a false 0.
    expect(m).toEqual([
      [0, 0, 1],
      [1, 1, 0],
      [0, 1, 0],
    ]);
  });
});

interface ReferenceCase {
  seed: number;
  classes: number;
  images: { labels: { cls: number; box: number[] }[]; preds: { cls: number; conf: number; box: number[] }[] }[];
  tp: number[][];
  confusion: number[][];
  apClasses: number[];
  ap: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  map50: number;
  map50_95: number;
}

const REFERENCE = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../fixtures/evaluation/ultralytics-metrics.json'), 'utf8')) as ReferenceCase[];

describe("Ultralytics' own figures on random detection sets", () => {
  it.each(REFERENCE.map((c) => [c.seed, c] as const))('seed %i: the same true positives, confusion matrix, AP, precision and recall', (_, c) => {
    const classes = Array.from({ length: c.classes }, (_, i) => ({ id: 100 + i, name: `c${i}` }));
    const acc = new DetectionAccumulator(classes);
    const tp: boolean[][] = [];
    for (const image of c.images) {
      const labels = image.labels.map((l) => box(l.cls, ...(l.box as [number, number, number, number])));
      const preds = image.preds.map((p) => pred(p.cls, p.conf, ...(p.box as [number, number, number, number])));
      tp.push(...matchPredictions(labels, preds));
      acc.add(labels, preds);
    }
    expect(tp.map((row) => row.map(Number))).toEqual(c.tp);
    const r = acc.result();
    expect(r.confusion!.matrix).toEqual(c.confusion);
    expect(r.confusion!.names.at(-1)).toBe('background');
    expect(r.perClass.map((p) => p.classId)).toEqual(c.apClasses.map((i) => 100 + i));
    r.perClass.forEach((p, i) => {
      expect(p.ap50).toBeCloseTo(c.ap[i][0], 9);
      expect(p.ap50_95).toBeCloseTo(c.ap[i].reduce((a, b) => a + b, 0) / c.ap[i].length, 9);
      expect(p.precision).toBeCloseTo(c.precision[i], 9);
      expect(p.recall).toBeCloseTo(c.recall[i], 9);
      expect(p.f1).toBeCloseTo(c.f1[i], 9);
    });
    expect(r.map50).toBeCloseTo(c.map50, 9);
    expect(r.map50_95).toBeCloseTo(c.map50_95, 9);
  });
});

describe('the figures a user reads', () => {
  it('keeps 101 points of each curve, per class and for all, with the best threshold on the mean F1 peak', () => {
    const acc = new DetectionAccumulator([
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ]);
    acc.add([box(0, 0, 0, 10, 10), box(1, 20, 20, 10, 10)], [pred(0, 0.9, 0, 0, 10, 10), pred(1, 0.4, 20, 20, 10, 10), pred(1, 0.8, 60, 60, 9, 9)]);
    const r = acc.result();
    expect(r.pr.recall).toHaveLength(101);
    expect(r.pr.precision.all).toHaveLength(101);
    expect(r.byConfidence.f1.perClass.map((c) => c.classId)).toEqual([1, 2]);
    expect(r.perClass.map((c) => [c.name, c.instances, c.images])).toEqual([
      ['cat', 1, 1],
      ['dog', 1, 1],
    ]);
    // cat is perfect; dog's one label is found at 0.4, under a false 0.8: its envelope is 0.5 up
    // to recall 1 (numpy.interp takes the last point at recall 0), so 0.99·0.5 + 0.01·0.25.
    expect(r.perClass[0].ap50).toBeCloseTo(0.995, 9);
    expect(r.perClass[1].ap50).toBeCloseTo(0.4975, 9);
    expect(r.bestConfidence).toBeLessThan(0.4);
    const peak = Math.max(...r.byConfidence.f1.all);
    expect(r.byConfidence.f1.all[Math.round(r.bestConfidence * 100)]).toBeCloseTo(peak, 2);
  });

  it('scores a classifier by top-1 and top-5 accuracy, with precision and recall from its confusion matrix', () => {
    const acc = new ClassificationAccumulator([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    acc.add([0], [0, 1, 2]);
    acc.add([0], [1, 0, 2]);
    acc.add([1], [1, 2, 0]);
    acc.add([2], [-1, 2, 0]);
    const r = acc.result();
    expect(r.top1).toBe(0.5);
    expect(r.top5).toBe(1);
    expect(r.confusion!.matrix).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 0],
    ]);
    expect(r.perClass.map((c) => [c.name, c.precision, c.recall])).toEqual([
      ['a', 1, 0.5],
      ['b', 0.5, 1],
      ['c', 0, 0],
    ]);
  });
});
