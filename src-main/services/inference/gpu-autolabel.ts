/**
 * Where auto-label runs. The studio's own inference (onnxruntime-node) runs on the CPU: the CUDA
 * execution provider is not shipped, so a user with an RTX card would auto-label at CPU speed.
 * When the training runtime has a working GPU and the model has PyTorch weights (a run's best.pt,
 * or library weights), auto-label runs on the runtime's PyTorch on that GPU instead, one runtime
 * process streaming every image, and the results are stored as the ONNX path stores them. The
 * preview stays on onnxruntime-node. On the CPU the ONNX path is much faster than PyTorch (see
 * bench:predict), so the runtime path is taken for a GPU only.
 */
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import { predictWithRuntime } from './runtime-predict.js';
import type { ImageOutcome } from './worker-protocol.js';

/** Images written to the database at once (one transaction each), as the ONNX path's chunks. */
const WRITE_EVERY = 8;

export interface GpuTarget {
  id: number;
  file: string;
  name: string;
}

/** The GPU to auto-label on: the runtime's best device when it is a GPU, else null (use ONNX). */
export async function autolabelGpu(runtime: RuntimeManager | undefined): Promise<string | null> {
  if (!runtime || !runtime.locate().python) return null;
  const status = await runtime.status();
  const device = status.ready ? status.bestDevice : null;
  return device !== null && /^\d+$/.test(device) ? device : null;
}

interface GpuAutolabelOptions {
  runtime: RuntimeManager;
  /** The `.pt` weights of the model the ONNX path would run. */
  weights: string;
  device: string;
  targets: readonly GpuTarget[];
  conf: number;
  iou: number;
  imgsz: number;
  maxDet: number;
  classIds: readonly (number | null)[];
  signal: AbortSignal;
  /** Stores a batch of images' outcomes (one transaction); called in image order. */
  write: (batch: { target: GpuTarget; outcome: ImageOutcome }[]) => void;
  progress: (done: number, current: string | undefined) => void;
}

/** @returns where it ran ("cuda:0") and whether it was cancelled */
export async function autolabelOnGpu(o: GpuAutolabelOptions): Promise<{ device: string; cancelled: boolean }> {
  // Project media are stored by content: two images can share one file.
  const byFile = new Map<string, GpuTarget[]>();
  for (const t of o.targets) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t]);
  let pending: { target: GpuTarget; outcome: ImageOutcome }[] = [];
  let done = 0;
  const flush = () => {
    if (!pending.length) return;
    o.write(pending);
    done += pending.length;
    o.progress(done, pending.at(-1)?.target.name);
    pending = [];
  };
  let device = `gpu ${o.device}`;
  const result = await predictWithRuntime({
    runtime: o.runtime,
    weights: o.weights,
    images: [...byFile.keys()],
    conf: o.conf,
    iou: o.iou,
    imgsz: o.imgsz,
    device: o.device,
    maxDet: o.maxDet,
    classIds: o.classIds,
    signal: o.signal,
    onStart: (model) => {
      device = model.device;
    },
    onImage: ({ path, outcome }) => {
      for (const target of byFile.get(path) ?? []) pending.push({ target, outcome });
      if (pending.length >= WRITE_EVERY) flush();
    },
  });
  if (!o.signal.aborted) flush();
  return { device, cancelled: result.cancelled || o.signal.aborted };
}
