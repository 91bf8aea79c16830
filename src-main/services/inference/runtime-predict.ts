/**
 * Batch inference on the runtime's PyTorch (`python -m reticle_runtime predict`): auto-label on a
 * GPU, where the studio's own ONNX path (onnxruntime-node) runs on the CPU only. The interactive
 * preview stays on the ONNX path. Both give the same boxes for the same model: the runtime
 * letterboxes every image to the full square as the ONNX path does (see
 * python-runtime/reticle_runtime/predict.py, and the parity test beside this file's tests).
 *
 * Results stream as the runtime sends them, one image at a time, in the shapes the ONNX worker
 * gives (`ImageOutcome`), so the auto-label job turns either into suggestions the same way.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StudioError, type ErrorCode, type ModelTask, type PredictTimings, type RuntimeImageErrorCode, type RuntimePrediction } from '@shared';
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import { runRuntimeCommand, runtimeCommandFailure } from '../runtime/runtime-process.js';
import type { ImageOutcome } from './worker-protocol.js';

export interface RuntimePredictOptions {
  runtime: Pick<RuntimeManager, 'locate' | 'runtimeDir' | 'baseEnv'>;
  /** The `.pt` file. */
  weights: string;
  /** Image files; each distinct path is predicted and reported once. */
  images: readonly string[];
  conf: number;
  iou: number;
  /** The square the images are letterboxed to (the size the model was trained or exported at). */
  imgsz: number;
  /** "cpu", "mps" or one GPU index ("0"). */
  device: string;
  /** Images per forward pass (default 16). */
  batch?: number;
  /** Boxes per image at most; classes for a classifier (default 300). */
  maxDet?: number;
  /** The project's class id for each model class index (null where none matches; default all null). */
  classIds?: readonly (number | null)[];
  /** Cancels: the runtime stops between images (SIGTERM), and is killed if it has not after `stopGraceMs`. */
  signal?: AbortSignal;
  stopGraceMs?: number;
  /** Once the weights are loaded, before any image. Throwing stops the run and rejects with that error. */
  onStart?: (model: RuntimePredictModel) => void;
  /** Each image as it is predicted (or found unusable). Throwing stops the run and rejects with that error. */
  onImage?: (image: RuntimeImagePrediction) => void;
}

export interface RuntimePredictModel {
  /** Detection for Ultralytics' detect, segment and pose models (their boxes); classify. */
  task: ModelTask;
  /** Class names by class index: a `Detection`'s `classIndex` is the model's. */
  names: string[];
  /** Where it ran: "cuda:0", "cpu", "mps". */
  device: string;
}

export interface RuntimeImagePrediction {
  /** The path as given in `images`. */
  path: string;
  outcome: ImageOutcome;
}

export interface RuntimePredictResult {
  /** Null when cancelled before the runtime had loaded the weights. */
  model: RuntimePredictModel | null;
  /** Images predicted. */
  images: number;
  /** Images reported with an error. */
  failed: number;
  /** The runtime's own time (loading the weights and predicting), or the wall time when cancelled. */
  seconds: number;
  cancelled: boolean;
}

const DEFAULT_BATCH = 16;
const DEFAULT_MAX_DET = 300;
const DEFAULT_STOP_GRACE_MS = 10_000;

const IMAGE_ERROR_CODE: Readonly<Record<RuntimeImageErrorCode, ErrorCode>> = {
  image_missing: 'not_found',
  image_unreadable: 'invalid_input',
  image_unsupported: 'unsupported',
};

/**
 * Predicts `images` with `weights` in the runtime, calling `onImage` as each comes.
 *
 * @throws StudioError `unsupported` with no runtime set up; the runtime's own error (weights
 *   missing or not a model, a GPU not found or out of memory...); `internal` when it ended
 *   without a word; or what `onStart` or `onImage` threw
 */
export async function predictWithRuntime(options: RuntimePredictOptions): Promise<RuntimePredictResult> {
  const { python } = options.runtime.locate();
  if (!python) {
    throw new StudioError('unsupported', 'Auto-label on the GPU runs in the training runtime, and none is set up yet. Set it up first (Training → Runtime, or reticle runtime install).');
  }
  const started = performance.now();
  const counts = { images: 0, failed: 0 };
  let model: RuntimePredictModel | null = null;
  if (options.signal?.aborted) return { model, ...counts, seconds: 0, cancelled: true };
  const given = new Map<string, string[]>();
  for (const image of new Set(options.images)) {
    if (/[\r\n]/.test(image)) {
      // One path a line: a name with a line break cannot be listed.
      options.onImage?.({ path: image, outcome: failedOutcome('invalid_input', 'The file name has a line break, which the runtime cannot read.') });
      counts.failed++;
      continue;
    }
    const listed = path.resolve(image);
    given.set(listed, [...(given.get(listed) ?? []), image]);
  }
  const stop = new AbortController();
  let failure: unknown = null;
  const guarded = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      failure ??= err;
      stop.abort();
    }
  };
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reticle-predict-'));
  try {
    const list = path.join(work, 'images.txt');
    await fs.writeFile(list, [...given.keys()].map((p) => `${p}\n`).join(''), 'utf8');
    const args = ['predict', '--weights', options.weights, '--images', list, '--conf', String(options.conf), '--iou', String(options.iou)];
    args.push('--imgsz', String(options.imgsz), '--device', options.device, '--batch', String(options.batch ?? DEFAULT_BATCH), '--max-det', String(options.maxDet ?? DEFAULT_MAX_DET));
    const result = await runRuntimeCommand({
      python,
      runtimeDir: options.runtime.runtimeDir,
      args,
      env: options.runtime.baseEnv,
      cwd: work,
      signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
      abortGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
      keep: (m) => m.type !== 'prediction',
      onMessage: (m) => {
        if (failure) return;
        if (m.type === 'predicting') {
          const started: RuntimePredictModel = { task: m.task === 'classify' ? 'classify' : 'detect', names: m.names, device: m.device };
          model = started;
          guarded(() => options.onStart?.(started));
        } else if (m.type === 'prediction') {
          const outcome = toOutcome(m, model?.names ?? [], options.classIds ?? []);
          counts[outcome.ok ? 'images' : 'failed']++;
          for (const p of given.get(m.path) ?? [m.path]) guarded(() => options.onImage?.({ path: p, outcome }));
        }
      },
    });
    if (failure) throw failure;
    const done = result.messages.find((m) => m.type === 'predicted');
    if (done && done.type === 'predicted') return { model, images: done.images, failed: counts.failed, seconds: done.seconds, cancelled: done.cancelled };
    if (options.signal?.aborted) return { model, ...counts, seconds: (performance.now() - started) / 1000, cancelled: true };
    throw runtimeCommandFailure(result, 'Prediction in the runtime failed');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

function timings(speed: RuntimePrediction['speed']): PredictTimings {
  // Ultralytics decodes in its loader, untimed.
  return { decode: 0, preprocess: speed?.preprocess ?? 0, inference: speed?.inference ?? 0, postprocess: speed?.postprocess ?? 0 };
}

function failedOutcome(code: ErrorCode, message: string): ImageOutcome {
  return { ok: false, error: { code, message }, timings: timings(null) };
}

/** A `prediction` line in the ONNX worker's shapes: boxes as top-left corner and size. */
function toOutcome(m: RuntimePrediction, names: readonly string[], classIds: readonly (number | null)[]): ImageOutcome {
  if (m.error) return failedOutcome(IMAGE_ERROR_CODE[m.error.code], m.error.message);
  const label = (classIndex: number) => ({ classIndex, className: names[classIndex] ?? String(classIndex), classId: classIds[classIndex] ?? null });
  return {
    ok: true,
    width: m.width,
    height: m.height,
    detections: m.boxes?.map(([x1, y1, x2, y2, confidence, cls]) => ({ ...label(cls), confidence, x: x1, y: y1, w: x2 - x1, h: y2 - y1 })),
    top: m.top?.map(([cls, confidence]) => ({ ...label(cls), confidence })),
    timings: timings(m.speed),
  };
}
