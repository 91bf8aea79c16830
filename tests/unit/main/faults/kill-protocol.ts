/** What the kill loop and the process it kills say to each other (kill-loop.ts, kill-child.ts). */
import type { AnnotationChange } from '@shared';

export interface BatchInfo {
  /** The batch's folder under `batchesDir`: a YOLO dataset (data.yaml, images/, labels/). */
  name: string;
  /** Its image file names, which are unique across batches. */
  images: string[];
}

export interface ChildArgs {
  dir: string;
  batchesDir: string;
  batches: BatchInfo[];
  /** The side log the child appends its steps to. */
  log: string;
  seed: number;
  /** Unique per child process: the prefix of the annotation ids it makes. */
  tag: string;
  /** The share of steps that import the next batch (while batches are left). */
  importShare: number;
  /** Import every batch left, then exit (the run that is not killed). */
  finish: boolean;
  /** A child nobody killed stops after this long. */
  maxMs: number;
  /**
   * A fault put in on purpose, to show the checks catch it: `split-gestures` applies a gesture's
   * changes one `apply` (one transaction) at a time, 20 ms apart, as a labeler without a
   * transaction per gesture would.
   */
  fault?: 'split-gestures';
  /**
   * `concurrent`: the second process, which is never killed: it labels its own boxes (ids
   * `${tag}-…`) at the same time as the one being killed, pauses between two gestures when told
   * `pause` on stdin (answering `paused`), goes on at `resume` and ends at `stop`. The killed
   * process leaves its boxes alone (`otherTag`).
   */
  role?: 'killed' | 'concurrent';
  /** The concurrent writer's tag, whose boxes the killed process does not edit. */
  otherTag?: string;
}

export type ChildLine =
  | { t: 'intent'; seq: number; imageId: number; kind: string; changes: AnnotationChange[] }
  | { t: 'commit'; seq: number }
  | { t: 'import'; seq: number; batch: string }
  | { t: 'imported'; seq: number; batch: string; imported: number; duplicates: number; failed: number; annotations: number };

/** The seeded generator both sides draw their choices and kill times from. */
export { seededRandom as random } from '../../helpers/random.js';
