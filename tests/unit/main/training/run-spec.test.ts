/** From the training settings a user picks to the arguments Ultralytics gets. */
import { describe, expect, it } from 'vitest';
import { TrainingStartInput, type TrainingStartRequest, type WeightsEntry } from '@shared';
import { ADVANCED_TRAIN_ARGUMENTS, AUGMENTATION, deviceAndBatch, hyperparameters, modelStart } from '../../../../src-main/services/training/run-spec.js';

const spec = (over: Partial<TrainingStartRequest> = {}) => TrainingStartInput.parse({ model: { kind: 'architecture', family: 'yolo11', size: 'n' }, ...over });
const noRun = { bestOfRun: () => null, library: () => null };

describe('the model a run starts from', () => {
  it('is the architecture YAML Ultralytics knows, with -cls for classification', () => {
    expect(modelStart(spec({ model: { kind: 'architecture', family: 'yolov8', size: 'n' } }), 'detect', noRun)).toEqual({ model: 'yolov8n.yaml', label: 'yolov8n.yaml', source: null });
    expect(modelStart(spec({ model: { kind: 'architecture', family: 'yolo26', size: 'x' } }), 'detect', noRun).model).toBe('yolo26x.yaml');
    expect(modelStart(spec({ model: { kind: 'architecture', family: 'yolo11', size: 's' } }), 'classify', noRun).model).toBe('yolo11s-cls.yaml');
  });

  it('refuses weights that are missing or not a .pt file, and runs without best.pt', () => {
    expect(() => modelStart(spec({ model: { kind: 'weights', path: '/no/such/best.pt' } }), 'detect', noRun)).toThrow(/does not exist/);
    expect(() => modelStart(spec({ model: { kind: 'weights', path: '/etc/hostname' } }), 'detect', noRun)).toThrow(/not a PyTorch weights file/);
    expect(() => modelStart(spec({ model: { kind: 'run', runId: 'r1' } }), 'detect', { ...noRun, bestOfRun: () => ({ path: '/no/best.pt', name: 'Run 1' }) })).toThrow(/has no best.pt/);
  });
});

describe('pretrained weights from the library', () => {
  const entry = (over: Partial<WeightsEntry> = {}): WeightsEntry => ({
    name: 'yolo11n.pt',
    path: '/lib/yolo11n.pt',
    bytes: 5,
    sha256: 'ab12',
    task: 'detect',
    classes: ['person'],
    parameters: null,
    source: { kind: 'download', url: 'http://127.0.0.1:9/w/yolo11n.pt' },
    addedAt: '2026-12-08T00:00:00.000Z',
    onnx: null,
    ...over,
  });
  const pretrained = spec({ model: { kind: 'pretrained', name: 'yolo11n.pt' } });

  it("starts from the library's file and records where it came from", () => {
    const start = modelStart(pretrained, 'detect', { ...noRun, library: () => entry() });
    expect(start).toEqual({
      model: '/lib/yolo11n.pt',
      label: 'yolo11n.pt (pretrained, from http://127.0.0.1:9/w/yolo11n.pt)',
      source: { name: 'yolo11n.pt', sha256: 'ab12', from: 'http://127.0.0.1:9/w/yolo11n.pt' },
    });
  });

  it('says how to get weights the library lacks: fetch, a mirror, or add a copy', () => {
    expect(() => modelStart(pretrained, 'detect', noRun)).toThrow(/library has no yolo11n\.pt.*reticle weights pull yolo11n\.pt.*RETICLE_WEIGHTS_MIRROR.*reticle weights add PATH/);
  });

  it("refuses weights of another task than the project's", () => {
    expect(() => modelStart(pretrained, 'classify', { ...noRun, library: () => entry() })).toThrow(/yolo11n\.pt is a detect model.*a classifier/);
  });
});

describe('device and batch', () => {
  it('auto picks the runtime\'s best device; an automatic batch is AutoBatch on CUDA only', () => {
    expect(deviceAndBatch(spec({ device: 'auto' }), '0')).toEqual({ device: '0', batch: -1 });
    expect(deviceAndBatch(spec({ device: 'auto' }), 'mps')).toEqual({ device: 'mps', batch: 16 });
    expect(deviceAndBatch(spec({ device: 'auto' }), null)).toEqual({ device: 'cpu', batch: 16 });
    expect(deviceAndBatch(spec({ device: '1', batch: 8 }), 'cpu')).toEqual({ device: '1', batch: 8 });
  });

  it("gives several GPUs 16 images a GPU for an automatic batch (Ultralytics' AutoBatch takes one GPU)", () => {
    expect(deviceAndBatch(spec({ device: '0,1' }), null)).toEqual({ device: '0,1', batch: 32 });
    expect(deviceAndBatch(spec({ device: '0,1,2,3' }), null)).toEqual({ device: '0,1,2,3', batch: 64 });
    expect(deviceAndBatch(spec({ device: '0,1', batch: 24 }), null)).toEqual({ device: '0,1', batch: 24 });
    expect(TrainingStartInput.safeParse({ model: { kind: 'architecture', family: 'yolo11', size: 'n' }, device: '1,1' }).success).toBe(false);
  });
});

describe('hyperparameters', () => {
  it('default passes nothing but the spec\'s own fields, so Ultralytics\' defaults apply', () => {
    expect(hyperparameters(spec())).toEqual({ optimizer: 'auto', patience: 100, seed: 0 });
  });

  it('none turns every augmentation off, mosaic and flips included', () => {
    const h = hyperparameters(spec({ augmentation: 'none' }));
    for (const key of ['mosaic', 'fliplr', 'flipud', 'hsv_h', 'hsv_s', 'hsv_v', 'mixup', 'scale', 'translate', 'degrees']) expect(h[key]).toBe(0);
  });

  it('light is milder than Ultralytics\' defaults and heavy stronger', () => {
    expect(AUGMENTATION.light.mosaic).toBeLessThan(1);
    expect(AUGMENTATION.heavy.mixup).toBeGreaterThan(0);
    expect(AUGMENTATION.heavy.scale).toBeGreaterThan(0.5);
  });

  it('advanced settings override the preset; every preset key is one users may set too', () => {
    expect(hyperparameters(spec({ augmentation: 'none', advanced: { mosaic: 0.5 } })).mosaic).toBe(0.5);
    for (const preset of Object.values(AUGMENTATION)) for (const key of Object.keys(preset)) expect(ADVANCED_TRAIN_ARGUMENTS[key]).toBeDefined();
    expect(() => hyperparameters(spec({ advanced: { epochs: 5 } }))).toThrow(/has its own setting/);
    expect(() => hyperparameters(spec({ advanced: { close_mosaic: 2.5 } }))).toThrow(/takes integer values/);
    expect(() => hyperparameters(spec({ advanced: { tracker: 'botsort.yaml' } }))).toThrow(/not an Ultralytics training setting/);
    expect(hyperparameters(spec({ advanced: { cache: 'ram', cos_lr: true } }))).toMatchObject({ cache: 'ram', cos_lr: true });
  });
});
