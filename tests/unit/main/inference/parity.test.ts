/**
 * Parity with Ultralytics: each fixture model, run through the studio's inference (ONNX Runtime
 * in the worker, our decode, letterbox, NMS), predicts what Ultralytics predicted with the same
 * model's PyTorch weights: the same classes, boxes with IoU ≥ 0.99, confidences within 1e-3.
 */
import { describe, expect, it } from 'vitest';
import { CONF_TOLERANCE, compare, type Worst } from './box-parity.js';
import { image, inferenceStudio, model, reference } from './fixtures.js';

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
