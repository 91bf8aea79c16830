/**
 * Auto-label and its suggestions through the contract (`host.invoke`, as the app and the browser
 * call it): suggestions are stored apart from the annotations, accepting one makes it a real box
 * (through the AnnotationEditor), and the review queue shows the least sure images first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainingStartInput, type AutolabelReport, type JobResult, type StudioApi } from '@shared';
import { RunRepository } from '../../../../src-main/services/store/run-repository.js';
import { runPaths } from '../../../../src-main/services/training/run-paths.js';
import { classIds, openStudio } from '../studio/studio-fixture.js';
import { image, model, MODELS_DIR } from './fixtures.js';

const DETECT_IMAGES = ['square.png', 'wide.png', 'tall.jpg', 'odd-size.png', 'small-upscaled.png', 'exif-rotated.jpg'];
const CLASSIFY_IMAGES = fs.readdirSync(`${MODELS_DIR}/images`).filter((f) => f.startsWith('cls-'));

async function autolabel(api: StudioApi, request: Parameters<StudioApi['inference']['autolabel']>[0]): Promise<Extract<JobResult, { kind: 'autolabel' }>> {
  const finished = new Promise<JobResult>((resolve) => {
    const off = api.jobs.onFinished((r) => {
      off();
      resolve(r);
    });
  });
  await api.inference.autolabel(request);
  const result = await finished;
  if (result.status === 'failed') throw new Error(result.error.message);
  expect(result.kind).toBe('autolabel');
  return result as Extract<JobResult, { kind: 'autolabel' }>;
}

async function detectProject(classes = ['circle', 'square', 'triangle']) {
  const s = await openStudio({ task: 'detect', classes });
  const imported = await s.importFiles(DETECT_IMAGES.map(image));
  expect(imported.status).toBe('ok');
  const ids = (await s.api.images.list({})).items.map((i) => i.id);
  return { ...s, ids };
}

describe('auto-label', () => {
  it('stores suggestions for the unlabeled images only, apart from their annotations', async () => {
    const { api, ids, store, events } = await detectProject();
    const cls = await classIds(api);
    // One image is labeled already: auto-label leaves it alone by default.
    await api.annotations.apply({ imageId: ids[0], changes: [{ op: 'create', annotation: { id: 'mine', classId: cls.square, kind: 'box', x: 1, y: 1, w: 20, h: 20 } }] });

    const { report, status } = await autolabel(api, { modelPath: model('yolo11-detect.onnx'), conf: 0.25 });
    expect(status).toBe('ok');
    expect(report).toMatchObject({ images: ids.length - 1, failed: [], unmatched: [], cancelled: false });
    expect(report.suggestions).toBeGreaterThan(0);

    expect(await api.suggestions.forImage({ imageId: ids[0] })).toEqual([]);
    // Nothing became an annotation: counts, exports and training snapshots do not see them.
    expect(store().annotations.count()).toBe(1);
    expect((await api.images.counts()).unlabeled).toBe(ids.length - 1);
    for (const id of ids.slice(1)) expect(await api.annotations.forImage({ imageId: id })).toEqual([]);

    const all = (await Promise.all(ids.map((imageId) => api.suggestions.forImage({ imageId })))).flat();
    expect(all).toHaveLength(report.suggestions);
    for (const s of all) {
      expect(s).toMatchObject({ kind: 'box', modelId: report.modelId });
      expect(s.confidence).toBeGreaterThan(0.25);
      expect(Object.values(cls)).toContain(s.classId);
    }
    const changed = events.filter((e) => e.channel === 'reticle:suggestions.onChanged').map((e) => (e.payload as { imageId: number }).imageId);
    expect(new Set(changed)).toEqual(new Set(ids.slice(1)));
  });

  it('turns an accepted suggestion into a box made by the model, and deletes the suggestion', async () => {
    const { api, ids } = await detectProject();
    await autolabel(api, { modelPath: model('yolo11-detect.onnx'), conf: 0.1 });
    const imageId = ids.find(Boolean)!;
    const [best, ...rest] = await api.suggestions.forImage({ imageId });
    expect(best).toBeDefined();
    const accepted = await api.suggestions.accept({ ids: [best.id] });
    expect(accepted.accepted).toEqual([{ suggestionId: best.id, annotationId: accepted.annotationIds[0], imageId }]);
    const annotations = await api.annotations.forImage({ imageId });
    expect(annotations).toHaveLength(1);
    if (best.kind !== 'box') throw new Error('a box was expected');
    expect(annotations[0]).toMatchObject({ id: accepted.annotationIds[0], kind: 'box', classId: best.classId, source: 'model' });
    expect(annotations[0]).toMatchObject({ x: expect.closeTo(best.x, 6), y: expect.closeTo(best.y, 6), w: expect.closeTo(best.w, 6), h: expect.closeTo(best.h, 6) });
    expect((await api.images.get({ id: imageId })).status).toBe('in_progress');
    expect((await api.suggestions.forImage({ imageId })).map((s) => s.id)).toEqual(rest.map((s) => s.id));
    // Accepting it again does nothing: it is no longer pending.
    expect(await api.suggestions.accept({ ids: [best.id] })).toEqual({ accepted: [], annotationIds: [] });
  });

  it('accepts everything above a confidence, and rejects the rest', async () => {
    const { api, ids } = await detectProject();
    await autolabel(api, { modelPath: model('yolo11-detect.onnx'), conf: 0.05 });
    const imageId = ids[0];
    const before = await api.suggestions.forImage({ imageId });
    expect(before.length).toBeGreaterThan(1);
    const cut = before[Math.floor(before.length / 2)].confidence;
    const above = before.filter((s) => s.confidence >= cut);
    const r = await api.suggestions.acceptAbove({ imageId, minConfidence: cut });
    expect(r.accepted.map((a) => a.suggestionId).sort()).toEqual(above.map((s) => s.id).sort());
    expect(await api.annotations.forImage({ imageId })).toHaveLength(above.length);
    const left = await api.suggestions.forImage({ imageId });
    expect(left.every((s) => s.confidence < cut)).toBe(true);
    expect(await api.suggestions.reject({ ids: left.map((s) => s.id) })).toEqual({ rejected: left.length });
    expect(await api.suggestions.forImage({ imageId })).toEqual([]);
    expect(await api.annotations.forImage({ imageId })).toHaveLength(above.length);
  });

  it('queues images for review least sure first', async () => {
    const { api, ids } = await detectProject();
    await autolabel(api, { modelPath: model('yolo26-detect.onnx'), conf: 0.05 });
    const queue = await api.suggestions.reviewQueue({ limit: 100 });
    expect(queue.total).toBe(queue.items.length);
    expect(queue.total).toBeGreaterThan(1);
    const tops = queue.items.map((i) => i.topConfidence);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    for (const item of queue.items) {
      const s = await api.suggestions.forImage({ imageId: item.imageId });
      expect(item.suggestions).toBe(s.length);
      expect(item.topConfidence).toBe(Math.max(...s.map((x) => x.confidence)));
      expect(ids).toContain(item.imageId);
    }
    const page = await api.suggestions.reviewQueue({ limit: 1, offset: 1 });
    expect(page.items).toEqual([queue.items[1]]);
  });

  it("reports model classes the project lacks, and makes them when asked", async () => {
    const { api } = await detectProject(['circle', 'square']);
    const info = await api.inference.loadModel({ path: model('yolo11-detect.onnx') });
    expect(info.classMapping.map((m) => [m.modelName, m.classId === null])).toEqual([
      ['circle', false],
      ['square', false],
      ['triangle', true],
    ]);
    expect(info.unmatched).toEqual(['triangle']);
    const first = await autolabel(api, { modelPath: model('yolo11-detect.onnx'), conf: 0.05 });
    expect(first.report.unmatched).toEqual(['triangle']);
    const cls = await classIds(api);
    const withoutTriangle = (await api.suggestions.reviewQueue({})).items.length;
    expect(withoutTriangle).toBeGreaterThan(0);

    const second = await autolabel(api, { modelPath: model('yolo11-detect.onnx'), conf: 0.05, createClasses: true });
    expect(second.report).toMatchObject({ unmatched: [], classesCreated: ['triangle'] });
    const triangle = (await classIds(api)).triangle;
    expect(triangle).toBeDefined();
    expect(Object.keys(cls)).not.toContain('triangle');
  });

  it('tags whole images in a classification project, and can be cancelled', async () => {
    const s = await openStudio({ task: 'classify', classes: ['circle', 'square', 'triangle'] });
    await s.importFiles(CLASSIFY_IMAGES.map(image));
    const { report } = await autolabel(s.api, { modelPath: model('yolo11-cls.onnx'), conf: 0.2 });
    expect(report.images).toBe(CLASSIFY_IMAGES.length);
    const ids = (await s.api.images.list({})).items.map((i) => i.id);
    const tagged = (await Promise.all(ids.map((imageId) => s.api.suggestions.forImage({ imageId })))).filter((l) => l.length > 0);
    expect(tagged.length).toBeGreaterThan(0);
    for (const list of tagged) {
      expect(list).toHaveLength(1);
      expect(list[0].kind).toBe('tag');
    }
    const accepted = await s.api.suggestions.accept({ ids: [tagged[0][0].id] });
    expect(await s.api.annotations.forImage({ imageId: tagged[0][0].imageId })).toEqual([
      { id: accepted.annotationIds[0], imageId: tagged[0][0].imageId, classId: tagged[0][0].classId, kind: 'tag', source: 'model' },
    ]);

    // A detector on a classification project is refused with a reason.
    const wrong = await s.api.inference.autolabel({ modelPath: model('yolo11-detect.onnx') });
    const failed = await new Promise<JobResult>((resolve) => {
      const off = s.api.jobs.onFinished((r) => r.jobId === wrong.jobId && (off(), resolve(r)));
    });
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'invalid_input', message: expect.stringMatching(/detects boxes/) } });

    const started = await s.api.inference.autolabel({ modelPath: model('yolo11-cls.onnx'), imageIds: ids });
    const finished = new Promise<JobResult>((resolve) => {
      const off = s.api.jobs.onFinished((r) => r.jobId === started.jobId && (off(), resolve(r)));
    });
    expect(await s.api.jobs.cancel({ jobId: started.jobId })).toEqual({ cancelled: true });
    const cancelled = await finished;
    expect(cancelled.status).toBe('cancelled');
    expect((cancelled as { report: AutolabelReport }).report.cancelled).toBe(true);
  });

  it("predicts with a training run's exported best.onnx, and says what is missing when there is none", async () => {
    const { api, store, ids } = await detectProject();
    const runs = new RunRepository(store().db, store().paths.root);
    const spec = TrainingStartInput.parse({ model: { kind: 'architecture', family: 'yolo11', size: 'n' } });
    runs.insert({ id: 'run-1', name: 'first', status: 'completed', spec, model: 'yolo11n.yaml', epochs: 1, device: 'cpu', createdAt: new Date().toISOString(), resumable: false, dataset: null, ownerPid: null });
    await expect(api.inference.loadModel({ runId: 'run-1' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/Run "first" has no ONNX model yet/) });
    const weights = path.join(runPaths(store().paths.runs, 'run-1').train, 'weights');
    fs.mkdirSync(weights, { recursive: true });
    fs.copyFileSync(model('yolo11-detect.onnx'), path.join(weights, 'best.onnx'));
    const r = await api.inference.predict({ runId: 'run-1', imageIds: [ids[0]], conf: 0.05 });
    expect(r.model.path).toBe(path.join(weights, 'best.onnx'));
    expect(r.images[0].detections!.length).toBeGreaterThan(0);
    // An export the run recorded wins over the file beside best.pt.
    const exported = path.join(store().paths.runs, 'run-1', 'exported-best.onnx');
    fs.copyFileSync(model('yolo26-detect.onnx'), exported);
    runs.putArtifact('run-1', { kind: 'onnx', path: exported, bytes: fs.statSync(exported).size });
    expect((await api.inference.loadModel({ runId: 'run-1' })).format).toBe('yolo-end2end');

    await expect(api.inference.predict({ runId: 'no-such-run', imageIds: [1] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.inference.predict({ modelPath: model('yolo11-detect.onnx'), paths: [image('square.png')], runId: 'x' } as never)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('predicts on project images by id, in image pixels, with the raw candidates for the sliders', async () => {
    const { api, ids } = await detectProject();
    const r = await api.inference.predict({ modelPath: model('yolo11-detect.onnx'), imageIds: [ids[1], 999_999], conf: 0.25, candidates: true });
    const [got, missing] = r.images;
    expect(got).toMatchObject({ imageId: ids[1], width: 320, height: 184 });
    expect(missing.error).toMatchObject({ code: 'not_found' });
    expect(got.candidates!.data.length / 6).toBeGreaterThan(got.detections!.length);
    const cls = await classIds(api);
    for (const d of got.detections!) expect(d.classId).toBe(cls[d.className]);
    for (const key of ['decode', 'preprocess', 'inference', 'postprocess'] as const) expect(got.timings[key]).toBeGreaterThanOrEqual(0);
    expect(got.candidates!.floor).toBe(0.001);
    // Without candidates, those below conf are cut before NMS: the detections are the same.
    const plain = await api.inference.predict({ modelPath: model('yolo11-detect.onnx'), imageIds: [ids[1]], conf: 0.25 });
    expect(plain.images[0].candidates).toBeUndefined();
    expect(plain.images[0].detections).toEqual(got.detections);
    expect(got.detections!.length).toBeGreaterThan(0);
  });
});
