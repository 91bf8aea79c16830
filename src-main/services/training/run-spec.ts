/**
 * From what the user asked for (TrainingSpec) to what the runtime reads (RuntimeTrainSpec): the
 * model to start from, the device and batch, and the hyperparameters, with the augmentation
 * preset spelled out and the advanced settings checked against Ultralytics' own list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gpuIndices, StudioError, type RuntimeTrainSpec, type TaskType, type TrainingSpec, type WeightsEntry, type AUGMENTATION_PRESETS } from '@shared';

type Preset = (typeof AUGMENTATION_PRESETS)[number];
type Kind = 'number' | 'integer' | 'boolean' | 'string' | 'number-or-boolean' | 'string-or-boolean';

/**
 * The Ultralytics `train()` arguments a user may set under "advanced" (ultralytics/cfg/default.yaml,
 * 8.4), with the type each takes. Left out: what the spec or the studio sets itself (data,
 * model, epochs, imgsz, batch, device, project, name, resume, lr0, optimizer, patience, seed),
 * and prediction, export and tracking settings, which mean nothing to training.
 */
export const ADVANCED_TRAIN_ARGUMENTS: Readonly<Record<string, Kind>> = {
  time: 'number',
  save: 'boolean',
  save_period: 'integer',
  cache: 'string-or-boolean',
  workers: 'integer',
  pretrained: 'string-or-boolean',
  verbose: 'boolean',
  deterministic: 'boolean',
  single_cls: 'boolean',
  rect: 'boolean',
  cos_lr: 'boolean',
  close_mosaic: 'integer',
  amp: 'boolean',
  fraction: 'number',
  profile: 'boolean',
  freeze: 'integer',
  multi_scale: 'number-or-boolean',
  compile: 'string-or-boolean',
  dropout: 'number',
  val: 'boolean',
  plots: 'boolean',
  lrf: 'number',
  momentum: 'number',
  weight_decay: 'number',
  warmup_epochs: 'number',
  warmup_momentum: 'number',
  warmup_bias_lr: 'number',
  box: 'number',
  cls: 'number',
  cls_pw: 'number',
  dfl: 'number',
  nbs: 'integer',
  hsv_h: 'number',
  hsv_s: 'number',
  hsv_v: 'number',
  degrees: 'number',
  translate: 'number',
  scale: 'number',
  shear: 'number',
  perspective: 'number',
  flipud: 'number',
  fliplr: 'number',
  bgr: 'number',
  mosaic: 'number',
  mixup: 'number',
  cutmix: 'number',
  copy_paste: 'number',
  copy_paste_mode: 'string',
  auto_augment: 'string',
  erasing: 'number',
};

/** Keys with a field of their own in the training settings. */
const OWN_FIELDS: Readonly<Record<string, string>> = {
  data: 'the project',
  model: 'model',
  epochs: 'epochs',
  imgsz: 'image size',
  batch: 'batch',
  device: 'device',
  project: 'the run folder',
  name: 'name',
  resume: 'resume',
  lr0: 'learning rate',
  optimizer: 'optimizer',
  patience: 'patience',
  seed: 'seed',
};

/**
 * The augmentation presets as Ultralytics hyperparameters. `default` sets nothing, so it follows
 * whatever the installed Ultralytics defaults to (mosaic 1.0, fliplr 0.5, hsv 0.015/0.7/0.4,
 * translate 0.1, scale 0.5; erasing 0.4 and RandAugment for classification).
 */
export const AUGMENTATION: Readonly<Record<Preset, Readonly<Record<string, number | string>>>> = {
  none: {
    hsv_h: 0,
    hsv_s: 0,
    hsv_v: 0,
    degrees: 0,
    translate: 0,
    scale: 0,
    shear: 0,
    perspective: 0,
    flipud: 0,
    fliplr: 0,
    bgr: 0,
    mosaic: 0,
    mixup: 0,
    cutmix: 0,
    copy_paste: 0,
    erasing: 0,
    close_mosaic: 0,
  },
  light: { hsv_h: 0.01, hsv_s: 0.4, hsv_v: 0.25, translate: 0.05, scale: 0.25, fliplr: 0.5, mosaic: 0.5, mixup: 0, erasing: 0.2 },
  default: {},
  heavy: { hsv_h: 0.02, hsv_s: 0.8, hsv_v: 0.5, degrees: 10, translate: 0.2, scale: 0.7, shear: 2, flipud: 0.1, fliplr: 0.5, mosaic: 1, mixup: 0.15, cutmix: 0.1, copy_paste: 0.1, erasing: 0.5 },
};

function typeFits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number-or-boolean':
      return typeof value === 'number' || typeof value === 'boolean';
    case 'string-or-boolean':
      return typeof value === 'string' || typeof value === 'boolean';
  }
}

/**
 * The hyperparameters the runtime passes to `train()`: the preset, then the advanced settings
 * over it (a user's own mosaic wins), then the fields of the spec.
 *
 * @throws StudioError `invalid_input` naming the first advanced key that is unknown, has a field
 *   of its own, or has the wrong type
 */
export function hyperparameters(spec: TrainingSpec): Record<string, number | string | boolean> {
  for (const [key, value] of Object.entries(spec.advanced)) {
    if (key in OWN_FIELDS) throw new StudioError('invalid_input', `"${key}" has its own setting (${OWN_FIELDS[key]}): set it there, not under advanced.`);
    const kind = ADVANCED_TRAIN_ARGUMENTS[key];
    if (!kind) throw new StudioError('invalid_input', `"${key}" is not an Ultralytics training setting the studio knows. Remove it from the advanced settings.`);
    if (!typeFits(kind, value)) throw new StudioError('invalid_input', `"${key}" takes ${kind.replace(/-/g, ' ')} values, not ${JSON.stringify(value)}.`);
  }
  const out: Record<string, number | string | boolean> = { ...AUGMENTATION[spec.augmentation], ...spec.advanced };
  out.optimizer = spec.optimizer;
  out.patience = spec.patience;
  out.seed = spec.seed;
  if (spec.lr0 !== undefined) out.lr0 = spec.lr0;
  return out;
}

interface ModelStart {
  /** What the runtime's `model` says: a YAML name or an absolute .pt path. */
  model: string;
  /** For display: "yolo11n.yaml", "best.pt of Run 3", "yolo11n.pt (pretrained, from https://…)". */
  label: string;
  /** Where the weights came from, recorded in the run's spec; null from scratch. */
  source: RuntimeTrainSpec['model_source'];
}

interface ModelLookups {
  /** The best.pt of an earlier run of this project, with its name, or null. */
  bestOfRun: (runId: string) => { path: string; name: string } | null;
  /** An entry of the weights library, or null. */
  library: (name: string) => WeightsEntry | null;
}

const LIBRARY_WAYS_OUT =
  'Fetch it (reticle weights pull NAME, or the Weights panel; set RETICLE_WEIGHTS_MIRROR or a mirror where the network is closed), or add a copy you have (reticle weights add PATH, or "Add weights I have").';

/**
 * The model a run starts from.
 *
 * @throws StudioError `not_found` for weights that do not exist or are not in the library;
 *   `invalid_input` for a file that is not a .pt, or library weights of another task
 */
export function modelStart(spec: TrainingSpec, task: TaskType, lookups: ModelLookups): ModelStart {
  const choice = spec.model;
  if (choice.kind === 'architecture') {
    const yaml = `${choice.family}${choice.size}${task === 'classify' ? '-cls' : ''}.yaml`;
    return { model: yaml, label: yaml, source: null };
  }
  if (choice.kind === 'pretrained') {
    const entry = lookups.library(choice.name);
    if (!entry) throw new StudioError('not_found', `The weights library has no ${choice.name}. ${LIBRARY_WAYS_OUT.replace(/NAME/g, choice.name)}`);
    if (entry.task !== task) {
      throw new StudioError('invalid_input', `${choice.name} is a ${entry.task} model, and this project trains ${task === 'classify' ? 'a classifier' : 'a detector'}. Pick ${task === 'classify' ? 'a -cls model' : 'a detection model'}.`);
    }
    const from = entry.source.kind === 'download' ? entry.source.url : entry.source.path;
    return { model: entry.path, label: `${choice.name} (pretrained, from ${from})`, source: { name: entry.name, sha256: entry.sha256, from } };
  }
  if (choice.kind === 'weights') {
    const file = path.resolve(choice.path);
    if (!file.toLowerCase().endsWith('.pt')) throw new StudioError('invalid_input', `${file} is not a PyTorch weights file (.pt).`);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new StudioError('not_found', `The weights file ${file} does not exist.`);
    return { model: file, label: path.basename(file), source: { name: path.basename(file), sha256: null, from: file } };
  }
  const best = lookups.bestOfRun(choice.runId);
  if (!best || !fs.existsSync(best.path)) {
    throw new StudioError('not_found', `Run "${choice.runId}" has no best.pt to start from: it did not finish an epoch. Pick another run or model.`);
  }
  return { model: best.path, label: `best.pt of ${best.name}`, source: { name: `best.pt of ${best.name}`, sha256: null, from: best.path } };
}

/**
 * `device: 'auto'` resolved with the runtime's best device. Batch 'auto' is AutoBatch on one CUDA
 * GPU; Ultralytics' AutoBatch does not work on several, so there it is 16 a GPU; else 16.
 */
export function deviceAndBatch(spec: TrainingSpec, bestDevice: string | null): { device: string; batch: number } {
  const device = spec.device === 'auto' ? (bestDevice ?? 'cpu') : spec.device;
  const gpus = gpuIndices(device).length;
  const batch = spec.batch === 'auto' ? (gpus === 1 ? -1 : 16 * Math.max(1, gpus)) : spec.batch;
  return { device, batch };
}
