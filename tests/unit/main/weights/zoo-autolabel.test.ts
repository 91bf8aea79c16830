/**
 * Labeling before any model of your own: auto-label with a pretrained detector from the weights
 * library, keeping the classes that matter under the project's names. The runtime (over the
 * Ultralytics test double) exports the weights to ONNX once; the double's "export" writes a real
 * ONNX model (tests/fixtures/models/yolo11-detect.onnx: circle, square, triangle) so that the
 * studio's own inference runs on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobResult } from '@shared';
import { trainingStudio, type TrainingStudio } from '../training/training-fixture.js';
import { image, model } from '../inference/fixtures.js';
import { doublePretrained, scratchFile } from './weights-server.js';
import { failure, job, report } from './weights-jobs.js';

const IMAGES = ['square.png', 'wide.png', 'tall.jpg', 'odd-size.png'];
const studios: TrainingStudio[] = [];
afterEach(async () => {
  for (const t of studios.splice(0)) await t.dispose();
});

async function studioWithZoo(env: Record<string, string> = {}): Promise<{ t: TrainingStudio; ids: number[] }> {
  const t = await trainingStudio({ env: { ULTRALYTICS_DOUBLE_ONNX: model('yolo11-detect.onnx'), ...env }, images: 0 });
  studios.push(t);
  const pt = scratchFile('yolo11n.pt', doublePretrained({ names: ['circle', 'square', 'triangle'] }));
  report((await job(t, (api) => api.weights.add({ path: pt }))).result);
  const imported = await job(t, (api) => api.imports.start({ paths: IMAGES.map(image) }));
  expect(imported.result.status).toBe('ok');
  await t.api.classes.create({ name: 'blob' });
  return { t, ids: (await t.api.images.list({})).items.map((i) => i.id) };
}

function autolabelReport(result: JobResult) {
  if (result.status !== 'ok' || result.kind !== 'autolabel') throw new Error(`auto-label ended ${result.status}: ${JSON.stringify(result)}`);
  return result.report;
}

describe('auto-label with pretrained weights from the library', () => {
  it('keeps the mapped classes under the project names, creates the missing ones, ignores the rest, and exports once', async () => {
    const { t, ids } = await studioWithZoo();
    const run = () => job(t, (api) => api.inference.autolabel({ weights: 'yolo11n.pt', conf: 0.25, imageIds: ids, classMap: { circle: 'blob', square: 'box', triangle: null } }));
    const { result, progress } = await run();
    const r = autolabelReport(result);
    expect(r).toMatchObject({ images: IMAGES.length, failed: [], unmatched: [], classesCreated: ['box'], cancelled: false, device: 'cpu (onnxruntime)' });
    expect(r.suggestions).toBeGreaterThan(0);
    expect(progress[0]!.current).toMatch(/preparing yolo11n\.pt \(exported to ONNX once\)/);

    const names = new Map((await t.api.classes.list()).map((c) => [c.id, c.name]));
    expect([...names.values()]).toContain('box');
    expect([...names.values()].filter((n) => ['circle', 'square', 'triangle'].includes(n))).toEqual([]);
    const suggested = (await Promise.all(ids.map((imageId) => t.api.suggestions.forImage({ imageId })))).flat();
    expect(suggested.length).toBe(r.suggestions);
    const classes = new Set(suggested.map((s) => names.get(s.classId)));
    expect([...classes].every((c) => c === 'blob' || c === 'box')).toBe(true);
    expect(classes.has('box')).toBe(true);

    const library = await t.api.weights.list();
    const onnx = library.entries.find((e) => e.name === 'yolo11n.pt')!.onnx!;
    expect(onnx.path).toBe(path.join(library.dir, 'yolo11n.onnx'));
    const exportedAt = fs.statSync(onnx.path).mtimeMs;
    autolabelReport((await run()).result);
    expect(fs.statSync(onnx.path).mtimeMs).toBe(exportedAt);
  }, 60_000);

  it("refuses a mapping that clashes with the project's classes before writing anything", async () => {
    const { t, ids } = await studioWithZoo();
    const before = await t.api.classes.list();
    const clash = failure((await job(t, (api) => api.inference.autolabel({ weights: 'yolo11n.pt', imageIds: ids, classMap: { circle: 'Blob', square: 'box' } }))).result);
    expect(clash.code).toBe('invalid_input');
    expect(clash.message).toMatch(/"Blob" clashes with the project's class "blob".*Nothing was written/);
    const unknown = failure((await job(t, (api) => api.inference.autolabel({ weights: 'yolo11n.pt', imageIds: ids, classMap: { zebra: 'blob' } }))).result);
    expect(unknown.message).toMatch(/The model has no class "zebra". Its classes: circle, square, triangle/);
    expect(await t.api.classes.list()).toEqual(before);
    for (const imageId of ids) expect(await t.api.suggestions.forImage({ imageId })).toEqual([]);
  }, 60_000);

  it('says how to get weights the library lacks', async () => {
    const { t, ids } = await studioWithZoo();
    const missing = failure((await job(t, (api) => api.inference.autolabel({ weights: 'yolo26s.pt', imageIds: ids }))).result);
    expect(missing).toMatchObject({ code: 'not_found', message: expect.stringMatching(/library has no yolo26s\.pt.*reticle weights pull yolo26s\.pt.*reticle weights add PATH/) });
  }, 60_000);

  it("runs on the runtime's PyTorch when the runtime has a GPU, stored as the ONNX path stores it", async () => {
    // TEST DOUBLES of torch and Ultralytics with one CUDA device: the runtime check finds GPU 0.
    const { t, ids } = await studioWithZoo({ TORCH_DOUBLE_PROFILE: 'cuda', ULTRALYTICS_DOUBLE_GPUS: '1' });
    const { result, progress } = await job(t, (api) => api.inference.autolabel({ weights: 'yolo11n.pt', conf: 0.25, imageIds: ids, classMap: { circle: 'blob', square: 'box' } }));
    const r = autolabelReport(result);
    expect(r).toMatchObject({ images: IMAGES.length, failed: [], cancelled: false, device: 'cuda:0 (PyTorch)' });
    // The double puts a box of class 0 (circle) at 0.91 and one of class 1 (square) at 0.62 on every image; class 2's is below conf.
    expect(r.suggestions).toBe(IMAGES.length * 2);
    const names = new Map((await t.api.classes.list()).map((c) => [c.id, c.name]));
    const suggested = (await Promise.all(ids.map((imageId) => t.api.suggestions.forImage({ imageId })))).flat();
    expect(suggested.map((s) => `${names.get(s.classId)} ${s.confidence.toFixed(2)}`).sort()).toEqual([...Array(IMAGES.length).fill('blob 0.91'), ...Array(IMAGES.length).fill('box 0.62')].sort());
    expect(progress.at(-1)).toMatchObject({ phase: 'working', done: IMAGES.length, total: IMAGES.length });
  }, 60_000);
});
