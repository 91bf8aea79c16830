/** The training form's validation: what goes to `training.start`, and the messages when not. */
import { describe, expect, it } from 'vitest';
import { TrainingStartInput } from '@shared';
import { DEFAULT_FORM, parseAdvancedValue, validateTrainingForm, type TrainingFormValues } from '../../../src-renderer/training/training-form.js';
import { trainingDeviceChoices } from '../../../src-renderer/training/devices.js';

const form = (patch: Partial<TrainingFormValues> = {}): TrainingFormValues => ({ ...DEFAULT_FORM, ...patch });

describe('training form', () => {
  it('turns the defaults into a request the contract accepts: pretrained weights, named for the task', () => {
    const { request, errors } = validateTrainingForm(form());
    expect(errors).toEqual({});
    expect(request).toEqual({ model: { kind: 'pretrained', name: 'yolo11n.pt' }, epochs: 100, imgsz: 640, batch: 'auto', optimizer: 'auto', patience: 100, augmentation: 'default', device: 'auto', seed: 0, advanced: {} });
    expect(TrainingStartInput.safeParse(request).success).toBe(true);
    expect(validateTrainingForm(form({ family: 'yolov8', size: 'x' }), { task: 'classify' }).request?.model).toEqual({ kind: 'pretrained', name: 'yolov8x-cls.pt' });
  });

  it('sends every setting the user gave', () => {
    const { request } = validateTrainingForm(
      form({
        name: ' first try ',
        source: 'architecture',
        family: 'yolo26',
        size: 's',
        epochs: '50',
        imgsz: '320',
        batchAuto: false,
        batch: '8',
        lr0: '0.005',
        optimizer: 'AdamW',
        patience: '0',
        augmentation: 'heavy',
        device: 'cpu',
        seed: '7',
        advanced: [
          { key: 'close_mosaic', value: '5' },
          { key: 'cos_lr', value: 'true' },
          { key: 'cache', value: 'disk' },
          { key: '', value: '' },
        ],
        useSplit: true,
        split: ['80', '15', '5'],
      }),
      { devices: ['cpu'] },
    );
    expect(request).toEqual({
      name: 'first try',
      model: { kind: 'architecture', family: 'yolo26', size: 's' },
      epochs: 50,
      imgsz: 320,
      batch: 8,
      lr0: 0.005,
      optimizer: 'AdamW',
      patience: 0,
      augmentation: 'heavy',
      device: 'cpu',
      seed: 7,
      advanced: { close_mosaic: 5, cos_lr: true, cache: 'disk' },
      split: [0.8, 0.15, 0.05],
    });
  });

  it('takes weights by path or an earlier run', () => {
    expect(validateTrainingForm(form({ source: 'weights', weightsPath: '/home/me/best.pt' })).request?.model).toEqual({ kind: 'weights', path: '/home/me/best.pt' });
    expect(validateTrainingForm(form({ source: 'weights', weightsPath: 'C:\\models\\best.pt' })).request?.model).toEqual({ kind: 'weights', path: 'C:\\models\\best.pt' });
    expect(validateTrainingForm(form({ source: 'run', runId: 'run-3' }), { runs: ['run-3'] }).request?.model).toEqual({ kind: 'run', runId: 'run-3' });
  });

  it('says what is wrong with each field', () => {
    const { request, errors } = validateTrainingForm(
      form({ epochs: '0', imgsz: '650', batchAuto: false, batch: 'lots', lr0: '2', patience: '-1', seed: 'x', source: 'weights', weightsPath: 'best.pt' }),
    );
    expect(request).toBeNull();
    expect(errors.epochs).toMatch(/1 to 10,000/);
    expect(errors.imgsz).toMatch(/multiple of 32: try 640/);
    expect(errors.batch).toMatch(/1 to 1024/);
    expect(errors.lr0).toMatch(/above 0 and at most 1/);
    expect(errors.patience).toMatch(/0 to 10,000/);
    expect(errors.seed).toBeDefined();
    expect(errors.weightsPath).toMatch(/full path/);
    expect(validateTrainingForm(form({ source: 'weights', weightsPath: '/a/model.onnx' })).errors.weightsPath).toMatch(/\.pt/);
    expect(validateTrainingForm(form({ source: 'run', runId: '' })).errors.runId).toMatch(/Choose/);
  });

  it('refuses a device the runtime check did not pass', () => {
    expect(validateTrainingForm(form({ device: '1' }), { devices: ['0', 'cpu'] }).errors.device).toMatch(/did not pass/);
    expect(validateTrainingForm(form({ device: 'gpu' })).errors.device).toBeDefined();
    expect(validateTrainingForm(form({ device: '0' }), { devices: ['0', 'cpu'] }).request?.device).toBe('0');
    expect(validateTrainingForm(form({ device: '0,1' }), { devices: ['0', '1', '0,1', 'cpu'] }).request?.device).toBe('0,1');
    expect(validateTrainingForm(form({ device: '0,0' })).errors.device).toMatch(/all GPUs/);
  });

  it('checks advanced settings row by row', () => {
    const { errors } = validateTrainingForm(
      form({
        advanced: [
          { key: 'Mosaic', value: '1' },
          { key: 'mixup', value: '0.1' },
          { key: 'mixup', value: '0.2' },
          { key: 'degrees', value: '' },
        ],
      }),
    );
    expect(errors.advanced).toBeDefined();
    expect(Object.keys(errors.advancedRows ?? {})).toEqual(['0', '2', '3']);
    expect(errors.advancedRows?.[2]).toMatch(/twice/);
    expect(parseAdvancedValue('1e-3')).toBe(0.001);
    expect(parseAdvancedValue('False')).toBe(false);
    expect(parseAdvancedValue('0.1.2')).toBe('0.1.2');
  });

  it('wants a split that adds up to 100 with some validation images', () => {
    expect(validateTrainingForm(form({ useSplit: true, split: ['70', '20', '5'] })).errors.split).toMatch(/adds up to 95%/);
    expect(validateTrainingForm(form({ useSplit: true, split: ['100', '0', '0'] })).errors.split).toMatch(/validation/);
    expect(validateTrainingForm(form({ useSplit: true, split: ['a', '20', '10'] })).errors.split).toMatch(/percentage/);
    // Left off, the project's own split is used: no split in the request.
    expect(validateTrainingForm(form({ useSplit: false, split: ['a', '', ''] })).request).not.toHaveProperty('split');
  });
});

describe('the device choices', () => {
  const gpu = (index: number, works = true) => ({ index, name: `GPU model ${index}`, memory_bytes: 8 * 2 ** 30, capability: '8.6', works, error: works ? null : 'no kernel image' });
  const runtime = (devices: ReturnType<typeof gpu>[]) =>
    ({ env: { cuda: { available: true, devices }, mps: { available: false, works: false, error: null }, cpu: { works: true, error: null } }, bestDevice: '0' }) as unknown as Parameters<typeof trainingDeviceChoices>[0];

  it('offers all working GPUs at once after the GPUs, when there are two or more', () => {
    const choices = trainingDeviceChoices(runtime([gpu(0), gpu(1), gpu(2, false)]));
    expect(choices.map((c) => c.value)).toEqual(['0', '1', '2', '0,1', 'cpu']);
    expect(choices[3]).toMatchObject({ label: 'All 2 GPUs (0,1)', works: true });
  });

  it('offers no such choice with one working GPU', () => {
    expect(trainingDeviceChoices(runtime([gpu(0), gpu(1, false)])).map((c) => c.value)).toEqual(['0', '1', 'cpu']);
  });
});
