/**
 * The training form as the user types it (strings, as inputs hold them) and its validation into
 * a `training.start` request, with a message per field a person can act on. The contract's own
 * schema checks the result last, so nothing the studio would refuse gets through. The model
 * starts from pretrained weights unless the user picks otherwise: from scratch a few hundred
 * images teach a YOLO almost nothing.
 */
import {
  AUGMENTATION_PRESETS,
  MODEL_FAMILIES,
  MODEL_SIZES,
  OPTIMIZERS,
  pretrainedName,
  runtimeDeviceProblem,
  TrainingStartInput,
  type ModelFamily,
  type ModelSize,
  type TaskType,
  type TrainingStartRequest,
} from '@shared';

type Optimizer = (typeof OPTIMIZERS)[number];
type AugmentationPreset = (typeof AUGMENTATION_PRESETS)[number];
/** Where the model starts: pretrained weights from the library (the default), from scratch, a file, or an earlier run. */
export type ModelSource = 'pretrained' | 'architecture' | 'weights' | 'run';

interface AdvancedRow {
  key: string;
  value: string;
}

export interface TrainingFormValues {
  name: string;
  source: ModelSource;
  family: ModelFamily;
  size: ModelSize;
  weightsPath: string;
  runId: string;
  epochs: string;
  imgsz: string;
  batchAuto: boolean;
  batch: string;
  /** Empty: Ultralytics' default for the optimizer. */
  lr0: string;
  optimizer: Optimizer;
  patience: string;
  augmentation: AugmentationPreset;
  device: string;
  seed: string;
  advanced: AdvancedRow[];
  useSplit: boolean;
  /** train, val, test in percent. */
  split: [string, string, string];
}

export type FormField =
  | 'name'
  | 'weightsPath'
  | 'runId'
  | 'epochs'
  | 'imgsz'
  | 'batch'
  | 'lr0'
  | 'optimizer'
  | 'patience'
  | 'augmentation'
  | 'device'
  | 'seed'
  | 'advanced'
  | 'split'
  | 'model';

export type FormErrors = Partial<Record<FormField, string>> & { advancedRows?: Record<number, string> };

export const DEFAULT_FORM: TrainingFormValues = {
  name: '',
  source: 'pretrained',
  family: 'yolo11',
  size: 'n',
  weightsPath: '',
  runId: '',
  epochs: '100',
  imgsz: '640',
  batchAuto: true,
  batch: '16',
  lr0: '',
  optimizer: 'auto',
  patience: '100',
  augmentation: 'default',
  device: 'auto',
  seed: '0',
  advanced: [],
  useSplit: false,
  split: ['70', '20', '10'],
};

export const FAMILY_LABELS: Record<ModelFamily, string> = { yolo11: 'YOLO11', yolo26: 'YOLO26', yolov8: 'YOLOv8' };
export const SIZE_LABELS: Record<ModelSize, string> = { n: 'n (nano)', s: 's (small)', m: 'm (medium)', l: 'l (large)', x: 'x (extra large)' };
export const AUGMENTATION_LABELS: Record<AugmentationPreset, string> = {
  none: 'None',
  light: 'Light',
  default: 'Default (Ultralytics)',
  heavy: 'Heavy',
};
export { AUGMENTATION_PRESETS, MODEL_FAMILIES, MODEL_SIZES, OPTIMIZERS };

const ADVANCED_KEY = /^[a-z_][a-z0-9_]{0,40}$/;

function parseInteger(text: string): number | null {
  const t = text.trim();
  if (!/^[+]?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Whether a path is absolute on any desktop: `/home/…`, `C:\…`, `\\server\…`. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** An advanced value as the user meant it: true/false, a number, or text. */
export function parseAdvancedValue(text: string): number | string | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'True') return true;
  if (t === 'false' || t === 'False') return false;
  const n = parseNumber(t);
  return n === null ? t : n;
}

interface FormResult {
  request: TrainingStartRequest | null;
  errors: FormErrors;
}

/**
 * Checks the form against what the studio accepts. `devices` are the device values the runtime
 * check offered ('auto' is always allowed); `runs` the ids of runs whose weights can be used;
 * `task` the project's, which names the pretrained weights (detection: yolo11n.pt).
 */
export function validateTrainingForm(values: TrainingFormValues, options: { devices?: readonly string[]; runs?: readonly string[]; task?: TaskType } = {}): FormResult {
  const errors: FormErrors = {};

  if (values.name.trim().length > 100) errors.name = 'The name is at most 100 characters.';

  let model: TrainingStartRequest['model'] | null = null;
  if (values.source === 'pretrained') {
    model = { kind: 'pretrained', name: pretrainedName(values.family, values.size, options.task ?? 'detect') };
  } else if (values.source === 'architecture') {
    model = { kind: 'architecture', family: values.family, size: values.size };
  } else if (values.source === 'weights') {
    const p = values.weightsPath.trim();
    if (!p) errors.weightsPath = 'Give the full path of a weights file (.pt).';
    else if (!isAbsolutePath(p)) errors.weightsPath = 'Give the full path of the weights file, from the root of the disk (e.g. /home/me/best.pt).';
    else if (!/\.pt$/i.test(p)) errors.weightsPath = 'Weights are a PyTorch .pt file, as Ultralytics writes them.';
    else model = { kind: 'weights', path: p };
  } else {
    if (!values.runId) errors.runId = 'Choose a finished run whose best weights to start from.';
    else if (options.runs && !options.runs.includes(values.runId)) errors.runId = 'That run has no best weights to start from; choose another.';
    else model = { kind: 'run', runId: values.runId };
  }

  const epochs = parseInteger(values.epochs);
  if (epochs === null || epochs < 1 || epochs > 10_000) errors.epochs = 'Epochs is a whole number from 1 to 10,000.';

  const imgsz = parseInteger(values.imgsz);
  if (imgsz === null || imgsz < 32 || imgsz > 4096) errors.imgsz = 'The image size is a whole number of pixels from 32 to 4096, e.g. 640.';
  else if (imgsz % 32 !== 0) errors.imgsz = `The image size is a multiple of 32: try ${Math.max(32, Math.round(imgsz / 32) * 32)}.`;

  let batch: number | 'auto' = 'auto';
  if (!values.batchAuto) {
    const b = parseInteger(values.batch);
    if (b === null || b < 1 || b > 1024) errors.batch = 'The batch is a whole number of images from 1 to 1024, or tick Auto to fit it to the GPU.';
    else batch = b;
  }

  let lr0: number | undefined;
  if (values.lr0.trim() !== '') {
    const lr = parseNumber(values.lr0);
    if (lr === null || lr <= 0 || lr > 1) errors.lr0 = 'The learning rate is a number above 0 and at most 1, e.g. 0.01. Leave it empty for the default.';
    else lr0 = lr;
  }

  const patience = parseInteger(values.patience);
  if (patience === null || patience > 10_000) errors.patience = 'Patience is a whole number of epochs from 0 to 10,000 (0 never stops early).';

  const seed = parseInteger(values.seed);
  if (seed === null || seed > 2 ** 31 - 1) errors.seed = 'The seed is a whole number from 0 to 2,147,483,647.';

  const device = values.device.trim();
  if (device !== 'auto' && runtimeDeviceProblem(device)) errors.device = 'Choose a device: auto, the CPU, Apple MPS, a GPU or all GPUs.';
  else if (device !== 'auto' && options.devices && !options.devices.includes(device)) errors.device = 'That device did not pass the runtime check; choose another or auto.';

  const advanced: Record<string, number | string | boolean> = {};
  const rowErrors: Record<number, string> = {};
  values.advanced.forEach((row, i) => {
    const key = row.key.trim();
    if (key === '' && row.value.trim() === '') return;
    if (!ADVANCED_KEY.test(key)) rowErrors[i] = 'A name is lower-case letters, digits and _, as Ultralytics spells it (e.g. close_mosaic).';
    else if (key in advanced) rowErrors[i] = `${key} is given twice.`;
    else if (row.value.trim() === '') rowErrors[i] = `Give ${key} a value.`;
    else if (row.value.trim().length > 200) rowErrors[i] = 'A value is at most 200 characters.';
    else advanced[key] = parseAdvancedValue(row.value);
  });
  if (Object.keys(rowErrors).length > 0) {
    errors.advancedRows = rowErrors;
    errors.advanced = 'Fix the advanced settings marked below.';
  }

  let split: [number, number, number] | undefined;
  if (values.useSplit) {
    const parts = values.split.map(parseNumber);
    if (parts.some((p) => p === null || p < 0 || p > 100)) errors.split = 'Each split is a percentage from 0 to 100.';
    else {
      const [a, b, c] = parts as number[];
      if (Math.abs(a + b + c - 100) > 1e-6) errors.split = `The split adds up to ${+(a + b + c).toFixed(4)}%; it must add up to 100%.`;
      else if (b === 0) errors.split = 'The validation split needs some images (more than 0%).';
      else split = [a / 100, b / 100, c / 100];
    }
  }

  if (Object.keys(errors).length > 0 || !model) return { request: null, errors };

  const request: TrainingStartRequest = {
    model,
    epochs: epochs!,
    imgsz: imgsz!,
    batch,
    optimizer: values.optimizer,
    patience: patience!,
    augmentation: values.augmentation,
    device,
    seed: seed!,
    advanced,
  };
  const name = values.name.trim();
  if (name) request.name = name;
  if (lr0 !== undefined) request.lr0 = lr0;
  if (split) request.split = split;

  // The contract's word is final: anything it refuses becomes a message on its field.
  const checked = TrainingStartInput.safeParse(request);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const top = String(issue.path[0] ?? 'model');
      const field: FormField = top === 'model' ? (values.source === 'weights' ? 'weightsPath' : values.source === 'run' ? 'runId' : 'model') : (top as FormField);
      errors[field] ??= issue.message;
    }
    return { request: null, errors };
  }
  return { request, errors };
}
