/**
 * Training and the Python runtime as the contract sees them: what a user asks for (a run spec,
 * a runtime to set up) and what they get back (runs, epochs, results). The runtime's own JSON
 * lines are in runtime-protocol.ts; main turns them into these.
 */
import { z } from 'zod';
import { runtimeDeviceProblem, type RuntimeClassResult, type RuntimeEnv } from './runtime-protocol.js';
import { AbsolutePath, SplitRatios } from './schemas.js';
import type { ErrorPayload } from './errors.js';
import type { Split, TaskType } from './domain.js';

export const MODEL_FAMILIES = ['yolo11', 'yolo26', 'yolov8'] as const;
export const MODEL_SIZES = ['n', 's', 'm', 'l', 'x'] as const;
export const OPTIMIZERS = ['auto', 'SGD', 'Adam', 'AdamW', 'NAdam', 'RAdam', 'RMSProp'] as const;
/** Augmentation presets: named sets of Ultralytics' augmentation hyperparameters. */
export const AUGMENTATION_PRESETS = ['none', 'light', 'default', 'heavy'] as const;
export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed', 'interrupted'] as const;
export const MODEL_EXPORT_FORMATS = ['onnx', 'torchscript', 'openvino', 'coreml', 'tflite', 'engine'] as const;

export type ModelFamily = (typeof MODEL_FAMILIES)[number];
export type ModelSize = (typeof MODEL_SIZES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];
export type ModelExportFormat = (typeof MODEL_EXPORT_FORMATS)[number];

export const RunIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a run id is letters, digits, _ or -');

/** What the name of each task's weights adds after the size: yolo11n.pt, yolo11n-cls.pt. */
export const TASK_WEIGHTS_SUFFIX = { detect: '', classify: '-cls' } as const satisfies Record<TaskType, string>;

/** Ultralytics' pretrained weights the studio trains from: COCO for detection, ImageNet for -cls. */
export const PRETRAINED_NAME = /^(yolo11|yolo26|yolov8)([nsmlx])(-cls)?\.pt$/;

/** The name of a family's pretrained weights for a task: ('yolo11', 'n', 'detect') → yolo11n.pt. */
export function pretrainedName(family: ModelFamily, size: ModelSize, task: TaskType): string {
  return `${family}${size}${TASK_WEIGHTS_SUFFIX[task]}.pt`;
}

/** A file name in the weights library: the pretrained names, or the name a user's own file had. */
export const WeightsNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,118}\.pt$/, 'a weights name is letters, digits, ".", "_" or "-", ending in .pt (yolo11n.pt)');

const ModelChoiceSchema = z.discriminatedUnion('kind', [
  /** Pretrained weights from the studio's weights library, by name (yolo11n.pt): the default. */
  z.object({ kind: z.literal('pretrained'), name: WeightsNameSchema }),
  /** From scratch, from the architecture's YAML (yolo11n.yaml). */
  z.object({ kind: z.literal('architecture'), family: z.enum(MODEL_FAMILIES), size: z.enum(MODEL_SIZES) }),
  /** From weights the user has (a .pt file). */
  z.object({ kind: z.literal('weights'), path: AbsolutePath }),
  /** From the best weights of an earlier run of this project. */
  z.object({ kind: z.literal('run'), runId: RunIdSchema }),
]);

export const TrainingStartInput = z.object({
  name: z.string().trim().max(100).optional(),
  model: ModelChoiceSchema,
  epochs: z.number().int().min(1).max(10_000).default(100),
  imgsz: z.number().int().min(32).max(4096).refine((n) => n % 32 === 0, 'the image size is a multiple of 32').default(640),
  /** 'auto' lets Ultralytics size the batch to the GPU's memory. */
  batch: z.union([z.number().int().min(1).max(1024), z.literal('auto')]).default('auto'),
  lr0: z.number().positive().max(1).optional(),
  optimizer: z.enum(OPTIMIZERS).default('auto'),
  patience: z.number().int().min(0).max(10_000).default(100),
  augmentation: z.enum(AUGMENTATION_PRESETS).default('default'),
  /**
   * 'auto': the first working GPU, else Apple MPS, else the CPU. Several GPUs ('0,1') train with
   * Ultralytics' DDP, one process per GPU; an automatic batch is then 16 per GPU.
   */
  device: z
    .string()
    .refine((d) => d === 'auto' || runtimeDeviceProblem(d) === null, { error: (issue) => `${runtimeDeviceProblem(String(issue.input)) ?? 'invalid device'}, or auto` })
    .default('auto'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** The split for this run's dataset snapshot; left out: the project's own. */
  split: SplitRatios.optional(),
  /** Other Ultralytics hyperparameters by name; main checks them against an allow-list. */
  advanced: z.record(z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/), z.union([z.number().finite(), z.string().max(200), z.boolean()])).default({}),
});
export type TrainingStartRequest = z.input<typeof TrainingStartInput>;
export type TrainingSpec = z.output<typeof TrainingStartInput>;

export const RunIdInput = z.object({ runId: RunIdSchema });
export const ModelExportInput = z.object({
  runId: RunIdSchema,
  format: z.enum(MODEL_EXPORT_FORMATS).default('onnx'),
  /** Which weights: the best epoch's (default) or the last. */
  weights: z.enum(['best', 'last']).default('best'),
});

export const RuntimeCheckInput = z.object({
  /** Check this interpreter instead of the configured one. */
  python: AbsolutePath.optional(),
});
export const RuntimeConfigureInput = z.object({
  /** Use an existing Python that can import ultralytics; null goes back to the managed runtime. */
  python: AbsolutePath.nullable(),
});
export const RuntimeInstallInput = z.object({
  /** install: make the managed runtime if missing; reinstall: packages again; recreate: from scratch. */
  mode: z.enum(['install', 'reinstall', 'recreate']).default('install'),
  /** The Python that creates the managed venv; left out: a bundled or system Python. */
  basePython: AbsolutePath.optional(),
  /** Which torch build: found from the hardware when 'auto'. */
  accelerator: z.enum(['auto', 'cuda', 'mps', 'cpu']).default('auto'),
});

export interface RuntimeProblem {
  message: string;
  /** What the user can do about it, in words. */
  action: string;
}

export interface RuntimeStatus {
  ready: boolean;
  python: string | null;
  /** Where the interpreter came from. */
  source: 'setting' | 'env' | 'managed' | 'none';
  env: RuntimeEnv | null;
  problems: RuntimeProblem[];
  /** The best device for training, as `device` takes it ('0', 'mps', 'cpu'). */
  bestDevice: string | null;
}

export interface EpochRecord {
  epoch: number;
  epochs: number;
  losses: Record<string, number | null>;
  metrics: Record<string, number | null>;
  lr: Record<string, number | null>;
  epochSeconds: number | null;
  elapsedSeconds: number | null;
  etaSeconds: number | null;
  /** The runtime's wall clock when Ultralytics' callback fired (seconds). */
  t: number;
  /** The epoch a stop cut short. */
  partial: boolean;
}

export interface RunArtifact {
  kind: 'best' | 'last' | 'results' | ModelExportFormat;
  path: string;
  bytes: number;
}

export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  /** What it trains from, for display: "yolo11n.yaml", "best.pt of run-3". */
  model: string;
  epochs: number;
  epochsDone: number;
  device: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  best: { epoch: number; metrics: Record<string, number | null> } | null;
  error: (ErrorPayload & { hint?: string }) | null;
  resumable: boolean;
}

export interface RunResults {
  metrics: Record<string, number | null>;
  perClass: RuntimeClassResult[];
  confusion: { names: string[]; matrix: number[][] } | null;
  stoppedEarly: boolean;
  stoppedByUser: boolean;
}

export interface RunDetail extends RunSummary {
  spec: TrainingSpec;
  epochLog: EpochRecord[];
  /** The last lines the runtime wrote to stderr. */
  logTail: string[];
  artifacts: RunArtifact[];
  results: RunResults | null;
  /** The frozen dataset snapshot the run trained on. */
  dataset: { dir: string; images: number; perSplit: Record<Split, number>; classes: string[] } | null;
}

export interface TrainingProgress {
  runId: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  losses: Record<string, number | null>;
}
