/**
 * From output tensors to detections: decoding each head's layout, the confidence filter, NMS,
 * max_det and clipping (filterDetections, which the preview's sliders also use), and top-k.
 */
import { describe, expect, it } from 'vitest';
import { filterDetections, type DetectionCandidates } from '@shared';
import { letterboxParams } from '../../../../src-main/services/inference/letterbox.js';
import { decodeClassify, decodeDetect, decodeEnd2end, outputLayout, topK } from '../../../../src-main/services/inference/model-output.js';

function candidates(rows: number[][], options: Partial<DetectionCandidates> = {}): DetectionCandidates {
  return {
    nms: true,
    width: 100,
    height: 100,
    floor: 0.001,
    maxDet: 300,
    names: ['cat', 'dog'],
    classIds: [7, null],
    data: rows.flat(),
    ...options,
  };
}

describe('filterDetections', () => {
  it('keeps confidences strictly above the threshold', () => {
    const c = candidates([
      [0, 0, 10, 10, 0.5, 0],
      [50, 50, 60, 60, 0.25, 0],
    ]);
    expect(filterDetections(c, { conf: 0.25, iou: 0.7 }).map((d) => d.confidence)).toEqual([0.5]);
    expect(filterDetections(c, { conf: 0.2, iou: 0.7 }).map((d) => d.confidence)).toEqual([0.5, 0.25]);
  });

  it('suppresses overlapping boxes of one class, keeps those of another class', () => {
    const c = candidates([
      [0, 0, 10, 10, 0.9, 0],
      [1, 0, 11, 10, 0.8, 0], // IoU 9/11 with the first: suppressed
      [1, 0, 11, 10, 0.7, 1], // same place, other class: kept
      [30, 30, 40, 40, 0.6, 0],
    ]);
    const d = filterDetections(c, { conf: 0.25, iou: 0.7 });
    expect(d.map((x) => [x.className, x.confidence])).toEqual([
      ['cat', 0.9],
      ['dog', 0.7],
      ['cat', 0.6],
    ]);
    expect(d[0]).toMatchObject({ classIndex: 0, classId: 7, x: 0, y: 0, w: 10, h: 10 });
    expect(d[1].classId).toBeNull();
    // Class-agnostic NMS drops the dog too.
    expect(filterDetections(c, { conf: 0.25, iou: 0.7, agnostic: true }).map((x) => x.confidence)).toEqual([0.9, 0.6]);
  });

  it('drops a box only when its IoU is above the threshold, not at it', () => {
    // IoU of [0,0,10,10] and [5,0,15,10] is 50 / 150 = 1/3.
    const c = candidates([
      [0, 0, 10, 10, 0.9, 0],
      [5, 0, 15, 10, 0.8, 0],
    ]);
    expect(filterDetections(c, { conf: 0.1, iou: 1 / 3 })).toHaveLength(2);
    expect(filterDetections(c, { conf: 0.1, iou: 0.33 })).toHaveLength(1);
  });

  it('re-filters the same candidates for any slider position without running the model', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i * 2, 0, i * 2 + 10, 10, 0.9 - i * 0.015, 0]);
    const c = candidates(rows);
    const loose = filterDetections(c, { conf: 0.01, iou: 0.95 });
    const strict = filterDetections(c, { conf: 0.5, iou: 0.3 });
    expect(loose.length).toBeGreaterThan(strict.length);
    expect(strict.every((d) => d.confidence > 0.5)).toBe(true);
  });

  it('caps at max_det, best first', () => {
    const rows = Array.from({ length: 20 }, (_, i) => [i * 20, 0, i * 20 + 10, 10, 0.9 - i * 0.01, 0]);
    const d = filterDetections(candidates(rows, { width: 1000 }), { conf: 0.1, iou: 0.7, maxDet: 5 });
    expect(d.map((x) => x.confidence)).toEqual(rows.slice(0, 5).map((r) => r[4]));
  });

  it('clips boxes to the image after NMS', () => {
    const d = filterDetections(candidates([[-5, 90, 20, 130, 0.9, 1]]), { conf: 0.1, iou: 0.7 });
    expect(d[0]).toMatchObject({ x: 0, y: 90, w: 20, h: 10 });
  });

  it('applies no NMS to end-to-end models: the confidence filter and max_det only', () => {
    const c = candidates(
      [
        [0, 0, 10, 10, 0.9, 0],
        [0, 0, 10, 10, 0.8, 1],
        [0, 0, 10, 10, 0.7, 0],
      ],
      { nms: false },
    );
    expect(filterDetections(c, { conf: 0.1, iou: 0.1 })).toHaveLength(3);
    expect(filterDetections(c, { conf: 0.75, iou: 0.1 })).toHaveLength(2);
    expect(filterDetections(c, { conf: 0.1, iou: 0.1, maxDet: 1 })).toHaveLength(1);
  });
});

describe('decoding outputs', () => {
  // A 200 × 100 image letterboxed into 100 × 100: gain 0.5, 25 px above and below.
  const params = letterboxParams(200, 100, [100, 100]);

  it('reads a YOLO11 head (1, 4 + nc, anchors): best class, boxes back in image pixels, best first', () => {
    const anchors = 3;
    const out = new Float32Array((4 + 2) * anchors);
    const set = (row: number, values: number[]) => out.set(values, row * anchors);
    set(0, [50, 20, 80]); // cx
    set(1, [50, 40, 60]); // cy
    set(2, [20, 10, 10]); // w
    set(3, [10, 10, 10]); // h
    set(4, [0.3, 0.0005, 0.2]); // class 0
    set(5, [0.6, 0.0002, 0.1]); // class 1
    const r = decodeDetect(out, [1, 6, anchors], params, 0.001);
    expect(r.nms).toBe(true);
    expect(r.data.length).toBe(12);
    const [first, second] = [r.data.slice(0, 6), r.data.slice(6)];
    expect(first[4]).toBeCloseTo(0.6, 6);
    expect(first.slice(0, 4).map((v) => +v.toFixed(4))).toEqual([80, 40, 120, 60]);
    expect(first[5]).toBe(1);
    expect(second[4]).toBeCloseTo(0.2, 6);
    expect(second[5]).toBe(0);
  });

  it('takes each anchor’s best class over all classes, the first of equal scores, whichever class clears the floor', () => {
    const anchors = 4;
    const classes = 5;
    const out = new Float32Array((4 + classes) * anchors).fill(0.0001);
    out.fill(10, 0, 4 * anchors); // every box 10 × 10 at (10, 10)
    const score = (c: number, a: number, v: number) => (out[(4 + c) * anchors + a] = v);
    score(4, 0, 0.5); // the last class alone clears the floor
    score(1, 1, 0.4); // a tie: class 1 comes first
    score(3, 1, 0.4);
    score(0, 2, 0.3); // the floor is cleared by class 0, but class 2 scores higher
    score(2, 2, 0.35);
    score(2, 3, Number.NaN); // NaN is never a candidate
    const r = decodeDetect(out, [1, 4 + classes, anchors], params, 0.25);
    const rows = Array.from({ length: r.data.length / 6 }, (_, i) => r.data.slice(i * 6 + 4, i * 6 + 6));
    expect(rows).toEqual([
      [0.5, 4],
      [expect.closeTo(0.4, 6), 1],
      [expect.closeTo(0.35, 6), 2],
    ]);
  });

  it('reads an end-to-end head (1, k, 6) in its own order, above the floor', () => {
    const out = Float32Array.from([10, 30, 20, 40, 0.9, 1, 0, 0, 0, 0, 0.0001, 0, 0, 25, 100, 75, 0.4, 0]);
    const r = decodeEnd2end(out, [1, 3, 6], params, 0.001);
    expect(r.nms).toBe(false);
    expect(r.data).toEqual([20, 10, 40, 30, expect.closeTo(0.9, 6), 1, 0, 0, 200, 100, expect.closeTo(0.4, 6), 0]);
  });

  it('passes probabilities through and turns logits into them', () => {
    expect(decodeClassify(Float32Array.from([0.25, 0.75])).map((v) => +v.toFixed(6))).toEqual([0.25, 0.75]);
    const p = decodeClassify(Float32Array.from([2, 0, -1]));
    expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 9);
    expect(p[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1 + Math.exp(-1)), 9);
    expect(topK([0.1, 0.6, 0.3], 2)).toEqual([
      { classIndex: 1, confidence: 0.6 },
      { classIndex: 2, confidence: 0.3 },
    ]);
  });

  it('tells the layouts apart by shape and metadata', () => {
    const names = ['a', 'b', 'c'];
    expect(outputLayout([1, 7, 525], { task: 'detect', end2end: false, names })).toMatchObject({ format: 'yolo-detect', classes: 3 });
    expect(outputLayout([1, 300, 6], { task: 'detect', end2end: true, names })).toMatchObject({ format: 'yolo-end2end' });
    expect(outputLayout([1, 3], { task: 'classify', end2end: false, names })).toMatchObject({ format: 'yolo-classify', task: 'classify' });
    expect(() => outputLayout([1, 8, 525], { task: 'detect', end2end: false, names })).toThrow(/for 3 classes/);
    expect(() => outputLayout([1, 3, 160, 160], { task: null, end2end: null, names: null })).toThrow(/Ultralytics YOLO outputs/);
    expect(() => outputLayout([1, 38, 8400], { task: 'obb', end2end: false, names })).toThrow(/obb model/);
  });
});
