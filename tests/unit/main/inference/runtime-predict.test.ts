/**
 * Auto-label's batch inference in the runtime (`predictWithRuntime`): the real runtime process
 * over the Ultralytics test double, which places boxes by each image's size (see
 * python-runtime/tests/doubles/ultralytics/engine/predictor.py); then, when ULTRALYTICS_PYTHON is
 * set, the real Ultralytics against the studio's ONNX path on the same model and images.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Detection } from '@shared';
import { predictWithRuntime, type RuntimeImagePrediction, type RuntimePredictOptions } from '../../../../src-main/services/inference/runtime-predict.js';
import { exportWeights } from '../../../../src-main/services/runtime/model-export.js';
import { RuntimeManager } from '../../../../src-main/services/runtime/runtime-manager.js';
import { runRuntimeCommand } from '../../../../src-main/services/runtime/runtime-process.js';
import { makeImage } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';
import { until } from '../../helpers/until.js';
import { RUNTIME_DIR, doublesEnv, scratch } from '../training/training-fixture.js';
import { compare, type Worst } from './box-parity.js';
import { MODELS_DIR, inferenceStudio } from './fixtures.js';

function runtimeOver(env: NodeJS.ProcessEnv): RuntimeManager {
  return new RuntimeManager({ settings: memorySettings(), dataDir: scratch('reticle-data-'), runtimeDir: RUNTIME_DIR, env });
}

/** Weights the double loads: its checkpoint JSON, with a task and class names. */
function doubleWeights(dir: string, task: 'detect' | 'classify', names: string[]): string {
  const file = path.join(dir, `${task}.pt`);
  fs.writeFileSync(file, JSON.stringify({ format: 'ultralytics-double-checkpoint', epoch: -1, optimizer: null, task, names, train_args: { imgsz: 640 } }));
  return file;
}

async function predictCollecting(options: Omit<RuntimePredictOptions, 'onImage'>) {
  const seen: RuntimeImagePrediction[] = [];
  const result = await predictWithRuntime({ ...options, onImage: (image) => seen.push(image) });
  return { result, seen, byPath: new Map(seen.map((s) => [s.path, s.outcome])) };
}

describe('predictWithRuntime over the Ultralytics test double', () => {
  const base = { conf: 0.5, iou: 0.7, imgsz: 320, device: 'cpu' };

  it("streams each image's boxes in the studio's shapes, with the project's class ids", async () => {
    const dir = scratch('reticle-predict-');
    const images = [await makeImage(path.join(dir, 'wide.png'), { width: 200, height: 100, format: 'png' }), await makeImage(path.join(dir, 'tall.jpg'), { width: 60, height: 120 })];
    const runtime = runtimeOver(doublesEnv());
    const weights = doubleWeights(dir, 'detect', ['cat', 'dog']);
    const started: unknown[] = [];
    const { result, seen, byPath } = await predictCollecting({ ...base, runtime, weights, images, classIds: [7, null], batch: 1, onStart: (m) => started.push(m) });

    expect(started).toEqual([{ task: 'detect', names: ['cat', 'dog'], device: 'cpu' }]);
    expect(result).toMatchObject({ model: { task: 'detect', device: 'cpu' }, images: 2, failed: 0, cancelled: false });
    expect(seen.map((s) => s.path).sort()).toEqual([...images].sort());
    const wide = byPath.get(images[0])!;
    expect(wide).toMatchObject({ ok: true, width: 200, height: 100 });
    const detections = (wide as { detections: Detection[] }).detections;
    // The double's boxes above 0.5: (0.10, 0.20)-(0.50, 0.60) and (0.55, 0.50)-(0.95, 0.90) of the image.
    expect(detections).toEqual([
      { classIndex: 0, className: 'cat', classId: 7, confidence: 0.91, x: 20, y: 20, w: 80, h: 40 },
      { classIndex: 1, className: 'dog', classId: null, confidence: 0.62, x: 110, y: 50, w: 80, h: 40 },
    ]);
    expect(byPath.get(images[1])).toMatchObject({ ok: true, width: 60, height: 120, detections: [{ x: 6, y: 24, w: 24, h: 48 }, { x: 33, y: 60 }] });
  });

  it('reports an unreadable or missing image on its own and predicts the others', async () => {
    const dir = scratch('reticle-predict-');
    const good = await makeImage(path.join(dir, 'good.png'), { width: 50, height: 40, format: 'png' });
    const corrupt = path.join(dir, 'zz-corrupt.jpg');
    fs.writeFileSync(corrupt, '<html>a captive portal</html>');
    const missing = path.join(dir, 'gone.jpg');
    const runtime = runtimeOver(doublesEnv());
    const { result, byPath } = await predictCollecting({ ...base, runtime, weights: doubleWeights(dir, 'detect', ['a', 'b']), images: [corrupt, good, missing, good] });

    expect(result).toMatchObject({ images: 1, failed: 2, cancelled: false });
    expect(byPath.get(good)).toMatchObject({ ok: true, width: 50, height: 40 });
    expect(byPath.get(corrupt)).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('zz-corrupt.jpg cannot be decoded') } });
    expect(byPath.get(missing)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it("gives a classifier's classes by probability", async () => {
    const dir = scratch('reticle-predict-');
    const image = await makeImage(path.join(dir, 'x.png'), { width: 10, height: 3, format: 'png' });
    const runtime = runtimeOver(doublesEnv());
    const { result, byPath } = await predictCollecting({ ...base, runtime, weights: doubleWeights(dir, 'classify', ['a', 'b', 'c', 'd']), images: [image], classIds: [1, 2, 3, 4] });
    expect(result.model?.task).toBe('classify');
    const outcome = byPath.get(image)!;
    expect(outcome.ok && outcome.top?.map((t) => [t.className, t.classId])).toEqual([
      ['b', 2],
      ['a', 1],
      ['c', 3],
      ['d', 4],
    ]);
    expect(outcome.ok && outcome.detections).toBeUndefined();
  });

  it('cancels between images: what came before the cancel stands', async () => {
    const dir = scratch('reticle-predict-');
    const images = await Promise.all(Array.from({ length: 8 }, (_, i) => makeImage(path.join(dir, `${i}.png`), { width: 32, height: 32, seed: i, format: 'png' })));
    const gate = path.join(dir, 'gate');
    const runtime = runtimeOver(doublesEnv({ ULTRALYTICS_DOUBLE_PREDICT_HOLD_FILE: gate }));
    const controller = new AbortController();
    const running = predictCollecting({ ...base, runtime, weights: doubleWeights(dir, 'detect', ['a']), images, batch: 3, signal: controller.signal });
    // The double waits before its second batch until the gate opens or a stop signal comes.
    await until('the runtime to wait before its second batch', () => fs.existsSync(`${gate}.waiting`), 30_000);
    controller.abort();
    const { result, seen } = await running;
    expect(result).toMatchObject({ cancelled: true, images: 3 });
    expect(seen).toHaveLength(3);
  });

  it('stops the run and rejects with the error when storing an image fails', async () => {
    const dir = scratch('reticle-predict-');
    const images = await Promise.all(Array.from({ length: 4 }, (_, i) => makeImage(path.join(dir, `${i}.png`), { width: 16, height: 16, seed: i, format: 'png' })));
    const runtime = runtimeOver(doublesEnv());
    const full = Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    const run = predictWithRuntime({ ...base, runtime, weights: doubleWeights(dir, 'detect', ['a']), images, batch: 1, onImage: () => { throw full; } });
    await expect(run).rejects.toBe(full);
  });

  it("says what the runtime said when it cannot start predicting, and when there is no runtime", async () => {
    const dir = scratch('reticle-predict-');
    const image = await makeImage(path.join(dir, 'a.png'), { format: 'png' });
    const runtime = runtimeOver(doublesEnv());
    await expect(predictWithRuntime({ ...base, runtime, weights: path.join(dir, 'none.pt'), images: [image] })).rejects.toMatchObject({ code: 'not_found', message: /none\.pt does not exist/ });
    await expect(predictWithRuntime({ ...base, runtime, weights: doubleWeights(dir, 'detect', ['a']), images: [image], device: '1' })).rejects.toMatchObject({ code: 'not_found', message: /GPU '1' was not found/ });
    const env = doublesEnv();
    delete env.ULTRALYTICS_PYTHON;
    await expect(predictWithRuntime({ ...base, runtime: runtimeOver(env), weights: 'x.pt', images: [image] })).rejects.toMatchObject({ code: 'unsupported' });
  });
});

const PYTHON = process.env.ULTRALYTICS_PYTHON;
if (!PYTHON) console.log('skipped: ULTRALYTICS_PYTHON is not set, so the runtime was not compared with the ONNX path on a real model');

describe.skipIf(!PYTHON)("the runtime's PyTorch against the studio's ONNX path (ULTRALYTICS_PYTHON)", () => {
  it('finds the same boxes, classes and confidences on the same images', async () => {
    const dir = scratch('reticle-parity-');
    const env = { ...process.env };
    delete env.PYTHONPATH;
    const runtime = runtimeOver(env);
    const maker = path.join(RUNTIME_DIR, 'tests', 'tools', 'make_synthetic_dataset.py');
    const data = execFileSync(PYTHON!, [maker, path.join(dir, 'dataset')], { encoding: 'utf8' }).trim();
    // 25 epochs at 64 px: about 45 s on two CPU cores, and enough that the boxes follow the
    // shapes (after 2 epochs a model from scratch puts the same boxes on every picture).
    const imgsz = 64;
    const spec = { data, model: 'yolo11n.yaml', epochs: 25, imgsz, batch: 4, device: 'cpu', project: path.join(dir, 'runs'), name: 'parity', hyperparameters: { seed: 1, optimizer: 'AdamW', lr0: 0.003, warmup_epochs: 1 } };
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    const trained = await runRuntimeCommand({ python: PYTHON!, runtimeDir: RUNTIME_DIR, args: ['train', '--spec', path.join(dir, 'spec.json')], env: runtime.baseEnv, cwd: dir });
    const weights = path.join(dir, 'runs', 'parity', 'weights', 'best.pt');
    expect(fs.existsSync(weights), trained.stderr.last(20).join('\n')).toBe(true);
    const onnx = await exportWeights({ python: PYTHON!, runtimeDir: RUNTIME_DIR, env: runtime.baseEnv, weights, format: 'onnx', cwd: dir });

    const fixtures = fs.readdirSync(path.join(MODELS_DIR, 'images')).map((f) => path.join(MODELS_DIR, 'images', f));
    const val = fs.readdirSync(path.join(dir, 'dataset', 'images', 'val')).map((f) => path.join(dir, 'dataset', 'images', 'val', f));
    const images = [...fixtures, ...val];
    const conf = 0.001;
    const iou = 0.7;
    const { result, byPath } = await predictCollecting({ runtime, weights, images, conf, iou, imgsz, device: 'cpu', batch: 4 });
    expect(result).toMatchObject({ images: images.length, failed: 0, model: { names: ['square', 'disc'] } });
    const { api } = inferenceStudio();
    const studio = await api.inference.predict({ modelPath: onnx.path, paths: images, conf, iou });

    const worst: Worst = { iou: 1, conf: 0, matched: 0 };
    studio.images.forEach((ours, k) => {
      const theirs = byPath.get(images[k])!;
      const where = path.basename(images[k]);
      expect(theirs.ok, where).toBe(true);
      if (!theirs.ok) return;
      expect([theirs.width, theirs.height], where).toEqual([ours.width, ours.height]);
      const reference = theirs.detections!.map((d) => ({ ...d, xyxy: [d.x, d.y, d.x + d.w, d.y + d.h] as [number, number, number, number] }));
      compare(reference, ours.detections!, conf, worst, where, 1e-4);
    });
    expect(worst.matched).toBeGreaterThan(5);
    console.info(`runtime vs ONNX: ${worst.matched} boxes matched on ${images.length} images; worst IoU ${worst.iou.toFixed(6)}, worst confidence difference ${worst.conf.toExponential(2)}`);
  }, 300_000);
});
