/**
 * The class mapping for pretrained weights: which model classes auto-label keeps, as which
 * project class, and what the inference store sends for library weights.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ModelInfo } from '@shared';
import { classMapOf, initialMapping, mappingProblem, searchMapping } from '../../../src-renderer/inference/class-mapping.js';
import { createInferenceStore, type InferenceApi } from '../../../src-renderer/inference/inference-store.js';

const COCO_FEW = ['person', 'bicycle', 'car', 'truck', 'traffic light'];

describe('class mapping', () => {
  it('starts with only the classes the project has kept, under the project spelling', () => {
    const rows = initialMapping(COCO_FEW, ['Car', 'person', 'dog']);
    expect(rows.filter((r) => r.keep)).toEqual([
      { modelName: 'person', keep: true, target: 'person' },
      { modelName: 'car', keep: true, target: 'Car' },
    ]);
    expect(rows.find((r) => r.modelName === 'truck')).toEqual({ modelName: 'truck', keep: false, target: 'truck' });
    expect(classMapOf(rows)).toEqual({ person: 'person', car: 'Car' });
  });

  it('sends the kept rows only, names trimmed, several model classes to one project class', () => {
    const rows = initialMapping(COCO_FEW, []).map((r) => (r.modelName === 'car' || r.modelName === 'truck' ? { ...r, keep: true, target: ' vehicle ' } : r));
    expect(classMapOf(rows)).toEqual({ car: 'vehicle', truck: 'vehicle' });
  });

  it('searches model and project names, in any case', () => {
    const rows = initialMapping(COCO_FEW, []).map((r) => (r.modelName === 'truck' ? { ...r, target: 'Lorry' } : r));
    expect(searchMapping(rows, 'LIGHT').map((r) => r.modelName)).toEqual(['traffic light']);
    expect(searchMapping(rows, 'lorry').map((r) => r.modelName)).toEqual(['truck']);
    expect(searchMapping(rows, '  ')).toHaveLength(COCO_FEW.length);
  });

  it('says when a kept name clashes in case with a project class, or is empty', () => {
    const row = { modelName: 'car', keep: true, target: 'vehicle' };
    expect(mappingProblem(row, ['Vehicle'])).toBe(`differs from the project's class "Vehicle" only in case`);
    expect(mappingProblem(row, ['vehicle'])).toBeNull();
    expect(mappingProblem({ ...row, target: ' ' }, [])).toBe('name a project class');
    expect(mappingProblem({ ...row, keep: false, target: '' }, ['Vehicle'])).toBeNull();
  });
});

describe('inference store with library weights', () => {
  const model = { id: 'f'.repeat(16), path: '/lib/yolo11n.onnx', task: 'detect', names: COCO_FEW } as unknown as ModelInfo;

  function setup() {
    const api = {
      inference: { loadModel: vi.fn(async () => model), autolabel: vi.fn(async () => ({ jobId: 'job-9' })), predict: vi.fn(), openFolder: vi.fn() },
    };
    const store = createInferenceStore(api as unknown as InferenceApi, { projectClasses: () => ['Car'] });
    return { api, store };
  }

  it('loads weights by name and auto-labels with the kept classes as classMap', async () => {
    const { api, store } = setup();
    await store.getState().loadModel({ weights: 'yolo11n.pt' });
    expect(api.inference.loadModel).toHaveBeenCalledWith({ weights: 'yolo11n.pt' });
    expect(store.getState().mapping.filter((r) => r.keep).map((r) => r.modelName)).toEqual(['car']);

    store.getState().setKeep('truck', true);
    store.getState().setTarget('truck', 'Car');
    store.getState().setKeep('person', true);
    expect(await store.getState().autolabel()).toBe('job-9');
    expect(api.inference.autolabel).toHaveBeenCalledWith({ weights: 'yolo11n.pt', conf: 0.25, iou: 0.7, classMap: { person: 'person', car: 'Car', truck: 'Car' } });

    store.getState().keepNone();
    expect(store.getState().mapping.some((r) => r.keep)).toBe(false);
  });

  it('keeps no mapping for a model that is not from the library, and sends no classMap', async () => {
    const { api, store } = setup();
    await store.getState().loadModel({ weights: 'yolo11n.pt' });
    await store.getState().loadModel({ runId: 'r1' });
    expect(store.getState().mapping).toEqual([]);
    await store.getState().autolabel();
    expect(api.inference.autolabel).toHaveBeenCalledWith({ runId: 'r1', conf: 0.25, iou: 0.7 });
  });
});
