/**
 * The Python runtime's wire protocol (`python -m reticle_runtime <command>`): every stdout line
 * is one JSON object `{ "v": 1, "type": ..., ... }`; logs go to stderr. The Python side builds
 * each message in `python-runtime/reticle_runtime/protocol.py`; both sides test against the
 * golden files in `tests/fixtures/runtime/`, so they cannot drift apart silently.
 *
 * Objects are not strict: a newer runtime may add keys within version 1, and they are dropped.
 * A missing or mistyped key, another version, or an unknown type is a rejected line.
 */
import { z } from 'zod';

const RUNTIME_PROTOCOL_VERSION = 1 as const;

/**
 * The longest line `parseRuntimeLine` reads. The largest real message is `finished`, whose
 * confusion matrix the runtime leaves out above 300 classes (about 0.5 MB); anything much
 * longer is a runaway writer, not a message.
 */
export const MAX_RUNTIME_LINE_LENGTH = 4 * 1024 * 1024;

/** Every `error.code` the runtime sends (`reticle_runtime/errors.py`, CODES). */
export const RUNTIME_ERROR_CODES = [
  'usage',
  'invalid_spec',
  'invalid_hyperparameter',
  'dataset_missing',
  'dataset_invalid',
  'weights_missing',
  'weights_invalid',
  'nothing_to_resume',
  'device_not_found',
  'multi_gpu_unsupported',
  'gpu_out_of_memory',
  'gpu_unsupported',
  'disk_full',
  'runtime_missing',
  'unsupported_format',
  'download_failed',
  'interrupted',
  'internal',
] as const;

const Count = z.number().int().nonnegative();
const Index = z.number().int().positive();
const Seconds = z.number().nonnegative();
/** NaN and infinities arrive as null: JSON cannot carry them. */
const Measure = z.number().nullable();
/** Ultralytics' own names: `train/box_loss`, `metrics/mAP50-95(B)`, `val/cls_loss`, `lr/pg0`... */
const NamedValues = z.record(z.string(), Measure);
const Path = z.string().min(1);

function message<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ v: z.literal(RUNTIME_PROTOCOL_VERSION), type: z.literal(type), ...shape });
}

/** `version`: the runtime package's version and the protocol it speaks. */
const RuntimeVersionMessage = message('version', {
  runtime: z.string(),
  protocol: z.number().int(),
  python: z.string(),
});

const CudaDeviceSchema = z.object({
  index: Count,
  name: z.string(),
  memory_bytes: Count,
  /** Compute capability, e.g. "8.9". */
  capability: z.string(),
  /** A test matmul ran on it and gave the right answer. */
  works: z.boolean(),
  /** Why it does not work, e.g. "no kernel image is available for execution on the device". */
  error: z.string().nullable(),
});

/**
 * `env`: what the environment can train on, each device proven with a tensor op. Without torch,
 * `torch`, `cuda`, `mps` and `cpu` are null and `problems` says what to do; `env` still exits 0.
 */
const RuntimeEnvMessage = message('env', {
  runtime: z.string(),
  python: z.string(),
  platform: z.string(),
  torch: z.string().nullable(),
  ultralytics: z.string().nullable(),
  cuda: z.object({ available: z.boolean(), version: z.string().nullable(), devices: z.array(CudaDeviceSchema) }).nullable(),
  mps: z.object({ available: z.boolean(), works: z.boolean(), error: z.string().nullable() }).nullable(),
  cpu: z.object({ works: z.boolean(), error: z.string().nullable() }).nullable(),
  /** Sentences a user can act on ("... install the runtime again"). Empty when all is well. */
  problems: z.array(z.string()),
});

/** `started`: set up and about to train. Epoch numbers are 1-based everywhere. */
const RuntimeStartedMessage = message('started', {
  run_dir: Path,
  model: z.string(),
  data: z.string(),
  /** The device actually used ("cpu", "cuda:0", "mps"): Ultralytics falls back to the CPU quietly. */
  device: z.string(),
  device_name: z.string().nullable(),
  requested_device: z.string(),
  epochs: Index,
  /** 1 for a new run, the next epoch on resume. */
  start_epoch: Index,
  resumed: z.boolean(),
  /** The batch size in use (AutoBatch's pick when the spec said -1). */
  batch: Index,
  /** Batches per epoch. */
  batches: Count,
  imgsz: Index,
  train_images: Count,
  val_images: Count,
  classes: z.array(z.string()),
});

/** `progress`: within an epoch, at most about 4 a second; losses are running means. */
const RuntimeProgressMessage = message('progress', {
  epoch: Index,
  epochs: Index,
  batch: Index,
  batches: Count,
  losses: NamedValues,
});

/** `epoch`: an epoch trained and validated. */
const RuntimeEpochMessage = message('epoch', {
  epoch: Index,
  epochs: Index,
  /** Cut short by a stop request: its losses cover fewer batches. */
  partial: z.boolean(),
  /** `train/box_loss`, `train/cls_loss`, `train/dfl_loss`. */
  losses: NamedValues,
  /** `metrics/precision(B)`, `metrics/recall(B)`, `metrics/mAP50(B)`, `metrics/mAP50-95(B)`, `val/*` losses. */
  metrics: NamedValues,
  /** `lr/pg0`, `lr/pg1`, ... per optimizer parameter group. */
  lr: NamedValues,
  /** Ultralytics' fitness (mAP50-95 for detection). */
  fitness: Measure,
  best_fitness: Measure,
  is_best: z.boolean(),
  epoch_seconds: Seconds.nullable(),
  elapsed_seconds: Seconds,
  eta_seconds: Seconds.nullable(),
  /** Wall-clock time (Unix seconds) when the runtime sent it, to measure delivery latency. */
  t: z.number(),
});

/** `checkpoint`: weights written after `epoch`; follows that epoch's `epoch` message. */
const RuntimeCheckpointMessage = message('checkpoint', {
  epoch: Index,
  /** last.pt */
  path: Path,
  /** best.pt when this epoch was the best so far, else null. */
  best_path: Path.nullable(),
  is_best: z.boolean(),
});

const ClassResultSchema = z.object({
  class: z.string(),
  index: Count,
  /** Objects of this class in the validation set. */
  instances: Count.nullable(),
  /** Null when the validation set has none of this class. */
  ap50: Measure,
  ap50_95: Measure,
  precision: Measure,
  recall: Measure,
});

/**
 * Ultralytics' detection confusion matrix: `matrix[predicted][true]`, counts, with a last row and
 * column for "background" (last row: objects missed; last column: detections of nothing).
 */
const ConfusionMatrixSchema = z
  .object({ names: z.array(z.string()).min(2), matrix: z.array(z.array(z.number())) })
  .refine((m) => m.matrix.length === m.names.length && m.matrix.every((row) => row.length === m.names.length), 'the matrix must be square, one row and column per name');

/** `finished`: the run ended cleanly (all epochs, early stopping or a stop request), weights saved. */
const RuntimeFinishedMessage = message('finished', {
  run_dir: Path,
  epochs: Index,
  epochs_completed: Count,
  best_epoch: Index.nullable(),
  best_fitness: Measure,
  /** The final validation of best.pt (no `val/*` losses). */
  metrics: NamedValues,
  per_class: z.array(ClassResultSchema),
  /** Null when there was no final validation, or above 300 classes. */
  confusion_matrix: ConfusionMatrixSchema.nullable(),
  artifacts: z.object({ best: Path.nullable(), last: Path.nullable(), results_csv: Path.nullable() }),
  /** Ended by patience (early stopping) or a time limit. */
  stopped_early: z.boolean(),
  stopped_by_user: z.boolean(),
  /** last.pt keeps its training state: a spec with `resume: true` continues the run. */
  resumable: z.boolean(),
  elapsed_seconds: Seconds,
});

/** `exported`: an export written to `path` (a folder for formats that write one). */
const RuntimeExportedMessage = message('exported', {
  path: Path,
  format: z.string(),
  bytes: Count,
  weights: Path,
  seconds: Seconds,
});

/** `weights`: what `inspect --weights FILE` found the file to be, once Ultralytics loaded it. */
const RuntimeWeightsMessage = message('weights', {
  path: Path,
  task: z.enum(['detect', 'segment', 'classify', 'pose', 'obb']),
  names: z.array(z.string()),
  bytes: Count,
  parameters: Count.nullable(),
  imgsz: z.number().int().positive().nullable(),
});

/** `predicting`: `predict` loaded the weights on `device` and is about to predict `images` images. */
const RuntimePredictingMessage = message('predicting', {
  weights: Path,
  /** Ultralytics' task: classify gives `top`, the others `boxes`. */
  task: z.enum(['detect', 'segment', 'classify', 'pose', 'obb']),
  /** Class names by class index. */
  names: z.array(z.string()),
  /** The device in use ("cuda:0", "cpu", "mps"); the requested one when no image could be read. */
  device: z.string(),
  /** Images listed (each path once). */
  images: Count,
  batch: Index,
  imgsz: Index,
});

/** Why `predict` could not use an image; the others are still predicted. */
export const RUNTIME_IMAGE_ERROR_CODES = ['image_missing', 'image_unreadable', 'image_unsupported'] as const;

/** x1, y1, x2, y2 (pixels of the image as displayed, clipped to it), confidence, class index. */
const PredictedBox = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number().int().nonnegative()]);

/**
 * `prediction`: one image, named as listed. A detector's `boxes` (best first), or a classifier's
 * `top` ([class index, probability], most probable first); or `error`, with width and height 0.
 */
const RuntimePredictionMessage = message('prediction', {
  path: z.string().min(1),
  /** As displayed (EXIF orientation applied). */
  width: Count,
  height: Count,
  boxes: z.array(PredictedBox).nullable(),
  top: z.array(z.tuple([z.number().int().nonnegative(), z.number()])).nullable(),
  /** Ultralytics' own timing, ms per image (a batch's time shared by its images). */
  speed: z.object({ preprocess: z.number(), inference: z.number(), postprocess: z.number() }).nullable(),
  error: z.object({ code: z.enum(RUNTIME_IMAGE_ERROR_CODES), message: z.string() }).nullable(),
});

/** `predicted`: `predict` ended; `cancelled` after a stop signal (exit status 0 either way). */
const RuntimePredictedMessage = message('predicted', {
  images: Count,
  failed: Count,
  /** Loading the weights and predicting, not Python's start. */
  seconds: Seconds,
  device: z.string(),
  cancelled: z.boolean(),
});

/** `error`: the command failed (exit status 1; 2 for `usage`). The traceback is in stderr. */
const RuntimeErrorMessage = message('error', {
  code: z.enum(RUNTIME_ERROR_CODES),
  message: z.string(),
  hint: z.string().nullable(),
});

export const RuntimeMessageSchema = z.discriminatedUnion('type', [
  RuntimeVersionMessage,
  RuntimeEnvMessage,
  RuntimeStartedMessage,
  RuntimeProgressMessage,
  RuntimeEpochMessage,
  RuntimeCheckpointMessage,
  RuntimeFinishedMessage,
  RuntimeExportedMessage,
  RuntimeWeightsMessage,
  RuntimePredictingMessage,
  RuntimePredictionMessage,
  RuntimePredictedMessage,
  RuntimeErrorMessage,
]);

export type RuntimeMessage = z.infer<typeof RuntimeMessageSchema>;
type RuntimeMessageType = RuntimeMessage['type'];
export type RuntimeMessageOf<T extends RuntimeMessageType> = Extract<RuntimeMessage, { type: T }>;
export type RuntimeErrorCode = (typeof RUNTIME_ERROR_CODES)[number];
export type RuntimeEnv = z.infer<typeof RuntimeEnvMessage>;
export type RuntimeStarted = z.infer<typeof RuntimeStartedMessage>;
export type RuntimeEpoch = z.infer<typeof RuntimeEpochMessage>;
export type RuntimeFinished = z.infer<typeof RuntimeFinishedMessage>;
export type RuntimeError = z.infer<typeof RuntimeErrorMessage>;
export type RuntimeWeightsInfo = z.infer<typeof RuntimeWeightsMessage>;
export type RuntimeClassResult = z.infer<typeof ClassResultSchema>;
export type RuntimePrediction = z.infer<typeof RuntimePredictionMessage>;
export type RuntimeImageErrorCode = (typeof RUNTIME_IMAGE_ERROR_CODES)[number];

export const RUNTIME_MESSAGE_TYPES: readonly RuntimeMessageType[] = [
  'version',
  'env',
  'started',
  'progress',
  'epoch',
  'checkpoint',
  'finished',
  'exported',
  'weights',
  'predicting',
  'prediction',
  'predicted',
  'error',
];

/**
 * The JSON file `train --spec FILE` reads. `hyperparameters` pass through to Ultralytics'
 * `train()` (lr0, optimizer, patience, ...) and may not repeat the fields above them. The stop
 * file must not exist at start (the runtime removes a stale one); creating it later, or sending
 * SIGINT/SIGTERM, ends the run cleanly with its weights saved.
 */
/**
 * A device as the runtime takes it: "cpu", "mps", one GPU index ("0") or several ("0,1"), each
 * GPU once. Answers what is wrong with `device`, or null.
 */
export function runtimeDeviceProblem(device: string): string | null {
  if (!/^(cpu|mps|\d+(,\d+)*)$/.test(device)) return 'the device is cpu, mps, a GPU number (0) or several (0,1)';
  const gpus = device.split(',');
  if (new Set(gpus).size !== gpus.length) return `the device ${device} names a GPU twice`;
  return null;
}

/** The GPU indices of a device ("0,1" → [0, 1]); empty for cpu and mps. */
export function gpuIndices(device: string): number[] {
  return /^\d+(,\d+)*$/.test(device) ? device.split(',').map(Number) : [];
}

export const RuntimeTrainSpecSchema = z
  .object({
    data: Path,
    /** A model YAML ("yolo11n.yaml") or a .pt file; ignored on resume. */
    model: z.string().min(1).nullable(),
    epochs: Index,
    imgsz: z.number().int().min(32),
    /** -1 lets Ultralytics pick (AutoBatch, CUDA only). */
    batch: z.number().int().refine((b) => b === -1 || b >= 1, 'batch is -1 (automatic) or at least 1'),
    /** "cpu", "mps", one GPU index ("0") or several ("0,1": Ultralytics' DDP, one process per GPU). */
    device: z.string().refine((d) => runtimeDeviceProblem(d) === null, { error: (issue) => runtimeDeviceProblem(String(issue.input)) ?? 'invalid device' }),
    project: Path,
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a run name is letters, digits, ".", "_" or "-"'),
    hyperparameters: z.record(z.string(), z.unknown()).default({}),
    /** Continue `<project>/<name>/weights/last.pt`. */
    resume: z.boolean().default(false),
    stop_file: Path.nullable().default(null),
    /** Where `model`'s weights came from, for people reading the run later; the runtime ignores it. */
    model_source: z.object({ name: z.string(), sha256: z.string().nullable(), from: z.string() }).nullable().default(null),
  })
  .refine((s) => s.resume || s.model !== null, 'a new run needs a model');

export type RuntimeTrainSpec = z.input<typeof RuntimeTrainSpecSchema>;

export type RuntimeLineResult = { ok: true; message: RuntimeMessage } | { ok: false; error: string };

const KNOWN_TYPES = new Set<string>(RUNTIME_MESSAGE_TYPES);

function preview(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : String(JSON.stringify(value));
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * Reads one stdout line of the runtime. Never throws: a line that is not a version-1 message of
 * a known type, with every key it needs, comes back as `{ ok: false, error }` saying why.
 */
export function parseRuntimeLine(line: string): RuntimeLineResult {
  try {
    if (typeof line !== 'string') return { ok: false, error: 'not a line of text' };
    if (line.length > MAX_RUNTIME_LINE_LENGTH) {
      return { ok: false, error: `line too long: ${line.length} characters, at most ${MAX_RUNTIME_LINE_LENGTH}` };
    }
    const text = line.trim();
    if (!text) return { ok: false, error: 'empty line' };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'not a JSON object' };
    const { v, type } = raw as { v?: unknown; type?: unknown };
    if (v !== RUNTIME_PROTOCOL_VERSION) {
      return { ok: false, error: v === undefined ? 'no protocol version ("v")' : `protocol version ${preview(v)}, expected ${RUNTIME_PROTOCOL_VERSION}` };
    }
    if (typeof type !== 'string') return { ok: false, error: 'no message type' };
    if (!KNOWN_TYPES.has(type)) return { ok: false, error: `unknown message type ${preview(type)}` };
    const parsed = RuntimeMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
        .join('; ');
      return { ok: false, error: `invalid ${type} message: ${issues}` };
    }
    return { ok: true, message: parsed.data };
  } catch (err) {
    return { ok: false, error: `unreadable line: ${err instanceof Error ? err.message : String(err)}` };
  }
}
