/**
 * Messages between the inference service and its worker process. Internal to src-main: the
 * contract's types are in src-shared/inference.ts.
 */
import type {
  Classification,
  Detection,
  DetectionCandidates,
  ErrorPayload,
  ExecutionProvider,
  ModelFormat,
  ModelTask,
  PredictTimings,
} from '@shared';

/** What the worker knows of a loaded model (the project's class mapping is added in main). */
export interface LoadedModel {
  path: string;
  /** sha256 of the file, first 16 hex digits. */
  hash: string;
  bytes: number;
  task: ModelTask;
  format: ModelFormat;
  names: string[];
  imgsz: [number, number];
  provider: ExecutionProvider;
  providerFallbacks: { provider: ExecutionProvider; reason: string }[];
  loadMs: number;
  outputDims: number[];
}

export interface PredictOptions {
  conf: number;
  iou: number;
  maxDet: number;
  topK: number;
  /** Candidates at or below this confidence are dropped before anything else. */
  floor: number;
  candidates: boolean;
  /** The project's class id for each model class index. */
  classIds: (number | null)[];
}

export type ImageOutcome =
  | {
      ok: true;
      width: number;
      height: number;
      detections?: Detection[];
      top?: Classification[];
      candidates?: DetectionCandidates;
      timings: PredictTimings;
    }
  | { ok: false; error: ErrorPayload; timings: PredictTimings };

export interface BenchmarkResult {
  /** ms of each `session.run` on one prepared tensor. */
  runs: number[];
}

export type WorkerRequest =
  | { id: number; type: 'load'; path: string; providers: ExecutionProvider[] }
  | { id: number; type: 'predict'; path: string; providers: ExecutionProvider[]; images: string[]; options: PredictOptions }
  | { id: number; type: 'unload'; path: string }
  | { id: number; type: 'benchmark'; path: string; providers: ExecutionProvider[]; image: string; runs: number }
  /** Finish what was asked, release the models, and end (never cut native work short). */
  | { id: number; type: 'shutdown' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ErrorPayload };

/**
 * What the worker's process sends: first `ready`, once it listens (a request sent before that
 * could be lost while its modules load), then replies.
 */
export type WorkerMessage = { ready: true } | WorkerReply;
