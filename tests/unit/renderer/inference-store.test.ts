import { describe, expect, it, vi } from 'vitest';
import type { DetectionCandidates, ImagePrediction, ModelInfo, PredictResult } from '@shared';
import { createInferenceStore, type InferenceApi } from '../../../src-renderer/inference/inference-store.js';

const model: ModelInfo = {
  id: '0123456789abcdef',
  path: '/m/model.onnx',
  task: 'detect',
  format: 'yolo-detect',
  names: ['circle', 'square'],
  imgsz: [160, 160],
  provider: 'cpu',
  providerFallbacks: [],
  classMapping: [
    { classIndex: 0, modelName: 'circle', classId: 1 },
    { classIndex: 1, modelName: 'square', classId: null },
  ],
  unmatched: ['square'],
  bytes: 100,
  loadMs: 5,
};

// Two overlapping circles (IoU 0.81) and a square, by confidence.
const candidates: DetectionCandidates = {
  nms: true,
  width: 200,
  height: 200,
  floor: 0.001,
  maxDet: 300,
  names: ['circle', 'square'],
  classIds: [1, null],
  data: [10, 10, 100, 100, 0.9, 0, 15, 15, 100, 100, 0.6, 0, 120, 120, 180, 180, 0.3, 1],
};

function fakeApi() {
  const prediction: ImagePrediction = { imageId: 7, width: 200, height: 200, detections: [], candidates, timings: { decode: 1, preprocess: 1, inference: 3, postprocess: 1 } };
  const api = {
    inference: {
      loadModel: vi.fn(async () => model),
      predict: vi.fn(async (): Promise<PredictResult> => ({ model, images: [prediction] })),
      autolabel: vi.fn(async () => ({ jobId: 'job-1' })),
      openFolder: vi.fn(async ({ dir }: { dir: string }) => ({
        dir,
        truncated: false,
        images: [
          { token: 'a'.repeat(32), path: `${dir}/one.jpg`, name: 'one.jpg' },
          { token: 'b'.repeat(32), path: `${dir}/two.jpg`, name: 'two.jpg' },
        ],
      })),
    },
    suggestions: { reviewQueue: vi.fn(async () => ({ total: 2, offset: 0, items: [{ imageId: 3, topConfidence: 0.3, suggestions: 1 }, { imageId: 4, topConfidence: 0.8, suggestions: 2 }] })) },
    images: { list: vi.fn(async () => ({ total: 1, offset: 0, items: [{ id: 7 }] })) },
    annotations: { forImage: vi.fn(async () => [{ id: 'a', classId: 1, kind: 'box', source: 'manual', x: 1, y: 2, w: 3, h: 4 }]) },
    training: { list: vi.fn(async () => [{ id: 'r1', status: 'completed' }, { id: 'r2', status: 'failed' }]) },
  };
  return api;
}

describe('inference store', () => {
  it('loads a model by path and lists completed runs', async () => {
    const api = fakeApi();
    const store = createInferenceStore(api as unknown as InferenceApi);
    await store.getState().refresh();
    expect(store.getState().runs.map((r) => r.id)).toEqual(['r1']);
    const info = await store.getState().loadModel({ modelPath: '/m/model.onnx' });
    expect(info?.unmatched).toEqual(['square']);
    expect(api.inference.loadModel).toHaveBeenCalledWith({ path: '/m/model.onnx' });
    await store.getState().loadModel({ runId: 'r1' });
    expect(api.inference.loadModel).toHaveBeenLastCalledWith({ runId: 'r1' });
  });

  it('predicts once with candidates, then the sliders re-filter without predicting again', async () => {
    const api = fakeApi();
    const store = createInferenceStore(api as unknown as InferenceApi);
    await store.getState().refresh();
    await store.getState().loadModel({ modelPath: '/m/model.onnx' });
    store.getState().toggleImage(7);
    await store.getState().predict();
    expect(api.inference.predict).toHaveBeenCalledTimes(1);
    expect(api.inference.predict).toHaveBeenCalledWith(expect.objectContaining({ modelPath: '/m/model.onnx', imageIds: [7], candidates: true }));
    // conf 0.25, iou 0.7: the second circle overlaps the first by 0.81 and is suppressed.
    expect(store.getState().detections.get('img:7')?.map((d) => d.confidence)).toEqual([0.9, 0.3]);
    expect(store.getState().groundTruth.get('img:7')).toHaveLength(1);

    store.getState().setConf(0.5);
    expect(store.getState().detections.get('img:7')?.map((d) => d.confidence)).toEqual([0.9]);
    store.getState().setIou(0.9);
    expect(store.getState().detections.get('img:7')?.map((d) => d.confidence)).toEqual([0.9, 0.6]);
    store.getState().setConf(0.05);
    expect(store.getState().detections.get('img:7')).toHaveLength(3);
    expect(api.inference.predict).toHaveBeenCalledTimes(1);
  });

  it('previews a folder outside the project: predicts on its files by path, with no ground truth', async () => {
    const api = fakeApi();
    (api.inference.predict as any).mockImplementation(async (request: any): Promise<PredictResult> => ({
      model,
      images: request.paths.map((p: string) => ({ path: p, width: 200, height: 200, detections: [], candidates, timings: { decode: 1, preprocess: 1, inference: 3, postprocess: 1 } })),
    }));
    const store = createInferenceStore(api as unknown as InferenceApi);
    await store.getState().loadModel({ modelPath: '/m/model.onnx' });
    await store.getState().openFolder('/new/pictures');
    // Both files are chosen at once; one is unchosen again.
    expect(store.getState().selectedFiles).toHaveLength(2);
    store.getState().toggleFile('b'.repeat(32));
    await store.getState().predict();
    expect(api.inference.predict).toHaveBeenCalledWith(expect.objectContaining({ paths: ['/new/pictures/one.jpg'], candidates: true }));
    expect([...store.getState().predictions.keys()]).toEqual([`file:${'a'.repeat(32)}`]);
    expect(store.getState().detections.get(`file:${'a'.repeat(32)}`)?.map((d) => d.confidence)).toEqual([0.9, 0.3]);
    expect(store.getState().groundTruth.size).toBe(0);
  });

  it('says so when the folder holds no images', async () => {
    const api = fakeApi();
    api.inference.openFolder.mockResolvedValueOnce({ dir: '/empty', truncated: false, images: [] });
    const store = createInferenceStore(api as unknown as InferenceApi);
    await store.getState().openFolder('/empty');
    expect(store.getState().error).toMatch(/no images in \/empty/);
  });

  it('starts auto-label with the sliders and loads the review queue', async () => {
    const api = fakeApi();
    const store = createInferenceStore(api as unknown as InferenceApi);
    expect(await store.getState().autolabel()).toBeNull();
    await store.getState().loadModel({ runId: 'r1' });
    store.getState().setConf(0.4);
    expect(await store.getState().autolabel()).toBe('job-1');
    expect(api.inference.autolabel).toHaveBeenCalledWith({ runId: 'r1', conf: 0.4, iou: 0.7 });
    await store.getState().loadQueue();
    expect(store.getState().queue.map((q) => q.imageId)).toEqual([3, 4]);
    expect(store.getState().queueTotal).toBe(2);
  });

  it('shows why a model did not load', async () => {
    const api = fakeApi();
    api.inference.loadModel.mockRejectedValueOnce(new Error('no ONNX export'));
    const store = createInferenceStore(api as unknown as InferenceApi);
    expect(await store.getState().loadModel({ runId: 'r2' })).toBeNull();
    expect(store.getState().error).toBe('no ONNX export');
    expect(store.getState().loadingModel).toBe(false);
  });
});
