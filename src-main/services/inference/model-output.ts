/**
 * What a model's output tensor means, and turning it into candidates in image pixels.
 *
 * - YOLOv8/YOLO11 detection, (1, 4 + nc, anchors): cx, cy, w, h in input pixels, then one score
 *   per class. A candidate's confidence is its best class score (Ultralytics' single-label
 *   `non_max_suppression`); NMS comes after, in `filterDetections`.
 * - End-to-end detection (YOLO26), (1, k, 6): x1, y1, x2, y2 in input pixels, conf, class; the
 *   model did its own selection, so no NMS.
 * - Classification, (1, nc): probabilities (Ultralytics exports the softmax); logits get one.
 */
import { StudioError, type ModelFormat, type ModelTask } from '@shared';
import type { LetterboxParams } from './letterbox.js';

/** Ultralytics' `max_nms`: at most this many candidates go into NMS. */
const MAX_CANDIDATES = 30_000;

export interface OutputLayout {
  format: ModelFormat;
  task: ModelTask;
  /** Classes the output holds. */
  classes: number;
}

const SUPPORTED =
  'Reticle reads Ultralytics YOLO outputs: detection (1, 4 + classes, anchors), end-to-end detection (1, N, 6) or classification (1, classes).';

/**
 * Works out the layout from the output's shape and the model's metadata.
 * @throws StudioError `unsupported` for any other output
 */
export function outputLayout(dims: readonly number[], meta: { task: string | null; end2end: boolean | null; names: string[] | null }): OutputLayout {
  const shape = `(${dims.join(', ')})`;
  const nc = meta.names?.length ?? null;
  const task = meta.task;
  if (task !== null && task !== 'detect' && task !== 'classify') {
    throw new StudioError('unsupported', `This is a ${task} model; Reticle predicts with detection and classification models.`);
  }
  if (dims.length === 2 && dims[0] === 1 && task !== 'detect') {
    if (nc !== null && dims[1] !== nc) {
      throw new StudioError('unsupported', `The model's output has shape ${shape}, but its metadata names ${nc} classes. ${SUPPORTED}`);
    }
    return { format: 'yolo-classify', task: 'classify', classes: dims[1] };
  }
  if (dims.length === 3 && dims[0] === 1 && task !== 'classify') {
    if (dims[2] === 6 && meta.end2end !== false) {
      return { format: 'yolo-end2end', task: 'detect', classes: nc ?? 0 };
    }
    if (dims[1] > 4 && (nc === null || dims[1] === 4 + nc)) {
      return { format: 'yolo-detect', task: 'detect', classes: dims[1] - 4 };
    }
  }
  throw new StudioError('unsupported', `The model's output has shape ${shape}${nc !== null ? ` for ${nc} classes` : ''}. ${SUPPORTED}`);
}

interface RawCandidates {
  nms: boolean;
  /** Six numbers each: x1, y1, x2, y2 (image pixels, unclipped), confidence, class; best first. */
  data: number[];
}

/** Sorts candidate rows by confidence, highest first; equal confidences keep their order. */
function sortRows(rows: number[][]): number[] {
  rows.sort((a, b) => b[4] - a[4]);
  const out: number[] = new Array(rows.length * 6);
  for (let i = 0; i < rows.length; i++) for (let k = 0; k < 6; k++) out[i * 6 + k] = rows[i][k];
  return out;
}

/** YOLOv8/YOLO11: (1, 4 + nc, anchors) → candidates above `floor`. */
export function decodeDetect(out: Float32Array, dims: readonly number[], params: LetterboxParams, floor: number): RawCandidates {
  const channels = dims[1];
  const anchors = dims[2];
  const nc = channels - 4;
  // Class-major layout: walk each class's row once, marking the anchors with a score above the
  // floor (few, past an untrained model's first epochs, so the branch is rarely taken)...
  const above = new Uint8Array(anchors);
  for (let c = 0; c < nc; c++) {
    const row = (4 + c) * anchors;
    for (let a = 0; a < anchors; a++) if (out[row + a] > floor) above[a] = 1;
  }
  // ...then the best class of those alone (the first of equal scores, as argmax gives it).
  const rows: number[][] = [];
  for (let a = 0; a < anchors; a++) {
    if (!above[a]) continue;
    let conf = -Infinity;
    let cls = 0;
    for (let c = 0, i = 4 * anchors + a; c < nc; c++, i += anchors) {
      if (out[i] > conf) {
        conf = out[i];
        cls = c;
      }
    }
    const cx = out[a];
    const cy = out[anchors + a];
    const w = out[2 * anchors + a];
    const h = out[3 * anchors + a];
    rows.push([
      (cx - w / 2 - params.left) / params.gain,
      (cy - h / 2 - params.top) / params.gain,
      (cx + w / 2 - params.left) / params.gain,
      (cy + h / 2 - params.top) / params.gain,
      conf,
      cls,
    ]);
  }
  const data = sortRows(rows);
  return { nms: true, data: data.length > MAX_CANDIDATES * 6 ? data.slice(0, MAX_CANDIDATES * 6) : data };
}

/** End-to-end: (1, k, 6) → candidates above `floor`, in the model's order (it sorted them). */
export function decodeEnd2end(out: Float32Array, dims: readonly number[], params: LetterboxParams, floor: number): RawCandidates {
  const k = dims[1];
  const data: number[] = [];
  for (let i = 0; i < k; i++) {
    const o = i * 6;
    const conf = out[o + 4];
    if (!(conf > floor)) continue;
    data.push(
      (out[o] - params.left) / params.gain,
      (out[o + 1] - params.top) / params.gain,
      (out[o + 2] - params.left) / params.gain,
      (out[o + 3] - params.top) / params.gain,
      conf,
      Math.round(out[o + 5]),
    );
  }
  return { nms: false, data };
}

/** Classification: probabilities by class (a softmax when the model gives logits). */
export function decodeClassify(out: Float32Array): number[] {
  const values = Array.from(out);
  let sum = 0;
  let inRange = true;
  for (const v of values) {
    sum += v;
    if (!(v >= 0 && v <= 1)) inRange = false;
  }
  if (inRange && Math.abs(sum - 1) < 1e-3) return values;
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

/** The k most probable classes, most probable first. */
export function topK(probs: readonly number[], k: number): { classIndex: number; confidence: number }[] {
  return probs
    .map((confidence, classIndex) => ({ classIndex, confidence }))
    .sort((a, b) => b.confidence - a.confidence || a.classIndex - b.classIndex)
    .slice(0, k);
}
