/**
 * Parity with Ultralytics: each fixture model, run through the studio's inference (ONNX Runtime
 * in the worker, our decode, letterbox, NMS), predicts what Ultralytics predicted with the same
 * model's PyTorch weights: the same classes, boxes with IoU ≥ 0.99, confidences within 1e-3.
 */
import { describe, expect, it } from 'vitest';
import type { Detection } from '@shared';
import { image, inferenceStudio, model, reference, type ReferenceDetection } from './fixtures.js';

const CONF_TOLERANCE = 1e-3;
const MIN_IOU = 0.99;

function iou(a: [number, number, number, number], b: [number, number, number, number]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return a.every((v, i) => Math.abs(v - b[i]) < 1e-3) ? 1 : 0;
  const inter = w * h;
  const area = (r: number[]) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

const xyxy = (d: Detection): [number, number, number, number] => [d.x, d.y, d.x + d.w, d.y + d.h];

interface Worst {
  iou: number;
  conf: number;
  matched: number;
}

/**
 * Pairs reference and predicted boxes (same class, best IoU, closest confidence). Boxes whose
 * confidence is within the tolerance of the threshold may fall on either side of it in one
 * implementation and not the other; every other box must be paired.
 */
function compare(ref: ReferenceDetection[], ours: Detection[], conf: number, worst: Worst, where: string): void {
  const sure = (c: number) => c > conf + CONF_TOLERANCE;
  const used = new Set<number>();
  for (const r of [...ref].sort((a, b) => b.confidence - a.confidence)) {
    let best = -1;
    let bestScore = -Infinity;
    ours.forEach((o, i) => {
      if (used.has(i) || o.classIndex !== r.classIndex) return;
      const score = iou(r.xyxy, xyxy(o)) - Math.abs(o.confidence - r.confidence);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    if (best < 0) {
      expect(sure(r.confidence), `${where}: Ultralytics found ${r.className} ${r.confidence.toFixed(4)} at ${r.xyxy.map((v) => v.toFixed(1))}; we did not`).toBe(false);
      continue;
    }
    used.add(best);
    const o = ours[best];
    const overlap = iou(r.xyxy, xyxy(o));
    const diff = Math.abs(o.confidence - r.confidence);
    expect(overlap, `${where}: ${r.className} box`).toBeGreaterThanOrEqual(MIN_IOU);
    expect(diff, `${where}: ${r.className} confidence`).toBeLessThanOrEqual(CONF_TOLERANCE);
    worst.iou = Math.min(worst.iou, overlap);
    worst.conf = Math.max(worst.conf, diff);
    worst.matched++;
  }
  ours.forEach((o, i) => {
    if (!used.has(i)) expect(sure(o.confidence), `${where}: we found ${o.className} ${o.confidence.toFixed(4)} that Ultralytics did not`).toBe(false);
  });
  expect(ours.filter((o) => sure(o.confidence)).length, `${where}: count above conf`).toBe(ref.filter((r) => sure(r.confidence)).length);
}

describe.each(['yolo11-detect.onnx', 'yolo26-detect.onnx'])('detection parity with Ultralytics: %s', (name) => {
  it('finds the same boxes, classes and confidences on every fixture image', async () => {
    const ref = reference(name);
    const { api } = inferenceStudio();
    const result = await api.inference.predict({ modelPath: model(name), paths: ref.images.map((i) => image(i.file.replace('images/', ''))), conf: ref.conf, iou: ref.iou });
    expect(result.model).toMatchObject({ task: 'detect', names: ref.names, imgsz: [ref.imgsz, ref.imgsz], format: name.startsWith('yolo26') ? 'yolo-end2end' : 'yolo-detect', provider: 'cpu' });
    const worst: Worst = { iou: 1, conf: 0, matched: 0 };
    result.images.forEach((got, k) => {
      const want = ref.images[k];
      expect(got.error).toBeUndefined();
      expect([got.width, got.height], want.file).toEqual([want.width, want.height]);
      compare(want.detections!, got.detections!, ref.conf, worst, `${name} ${want.file}`);
    });
    expect(worst.matched).toBeGreaterThan(5);
    console.info(`${name}: ${worst.matched} boxes matched; worst IoU ${worst.iou.toFixed(7)} (1 − IoU = ${(1 - worst.iou).toExponential(1)}), worst confidence difference ${worst.conf.toExponential(2)}`);
  });
});

describe('classification parity with Ultralytics: yolo11-cls.onnx', () => {
  it('gives the same top-5 classes and probabilities', async () => {
    const name = 'yolo11-cls.onnx';
    const ref = reference(name);
    const { api } = inferenceStudio();
    const result = await api.inference.predict({ modelPath: model(name), paths: ref.images.map((i) => image(i.file.replace('images/', ''))) });
    expect(result.model).toMatchObject({ task: 'classify', format: 'yolo-classify', names: ref.names, imgsz: [ref.imgsz, ref.imgsz] });
    let worst = 0;
    result.images.forEach((got, k) => {
      const want = ref.images[k];
      expect([got.width, got.height], want.file).toEqual([want.width, want.height]);
      const top = got.top!;
      expect(top.length).toBe(Math.min(5, ref.names.length));
      want.top5!.forEach((w, i) => {
        const ours = top.find((t) => t.classIndex === w.classIndex)!;
        expect(ours, `${want.file}: ${w.className}`).toBeDefined();
        worst = Math.max(worst, Math.abs(ours.confidence - w.confidence));
        // The order may differ only between classes whose probabilities are within the tolerance.
        if (Math.abs(top[i].confidence - w.confidence) > CONF_TOLERANCE) expect(top[i].classIndex, `${want.file}: rank ${i + 1}`).toBe(w.classIndex);
      });
      expect(top[0].className).toBe(want.top5![0].className);
    });
    expect(worst).toBeLessThanOrEqual(CONF_TOLERANCE);
    console.info(`${name}: worst probability difference ${worst.toExponential(2)}`);
  });
});
