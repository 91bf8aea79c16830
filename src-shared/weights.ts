/**
 * The weights library: pretrained and other `.pt` files the studio keeps in its data folder
 * (`~/.reticle/weights`, `$RETICLE_HOME/weights`, the app's user data), fetched once from
 * Ultralytics' releases or a mirror, or added from files the user has. Training, export and
 * auto-label take weights from here or from a path; the runtime never downloads by itself.
 */
import { z } from 'zod';
import { AbsolutePath } from './schemas.js';
import { WeightsNameSchema, type ModelFamily, type ModelSize } from './training.js';

export const WEIGHTS_TASKS = ['detect', 'segment', 'classify', 'pose', 'obb'] as const;
export type WeightsTask = (typeof WEIGHTS_TASKS)[number];

export interface WeightsEntry {
  /** The file's name in the library, which `--model NAME` and the training form use. */
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  /** As Ultralytics loaded it. */
  task: WeightsTask;
  classes: string[];
  parameters: number | null;
  /** Where it came from: a download (the URL, a mirror's or Ultralytics' own) or a file added. */
  source: { kind: 'download'; url: string } | { kind: 'added'; path: string };
  addedAt: string;
  /** Its ONNX export, made once for auto-label and kept beside it; null until then. */
  onnx: { path: string; bytes: number } | null;
}

/** One of Ultralytics' pretrained weights the studio offers, and whether the library has it. */
export interface PretrainedWeights {
  name: string;
  family: ModelFamily;
  size: ModelSize;
  task: WeightsTask;
  /** What it was trained on. */
  dataset: 'COCO' | 'ImageNet';
  inLibrary: boolean;
}

export interface WeightsLibraryState {
  dir: string;
  /** Where downloads come from: the mirror (from RETICLE_WEIGHTS_MIRROR or the setting), else Ultralytics' releases. */
  source: { kind: 'mirror'; url: string; from: 'env' | 'setting' } | { kind: 'releases'; url: string };
  entries: WeightsEntry[];
  pretrained: PretrainedWeights[];
}

/** What a pull or an add did: what it took in, and each file it refused, with why. */
export interface WeightsReport {
  added: WeightsEntry[];
  refused: { path: string; message: string }[];
}

export const WeightsNameInput = z.object({ name: WeightsNameSchema });
export const WeightsAddInput = z.object({
  /** A `.pt` file, or a folder of them (a weights pack copied from a USB stick). */
  path: AbsolutePath,
});
export const WeightsMirrorInput = z.object({
  /** A folder URL that serves files by name (https://host/path/ + yolo11n.pt); null: Ultralytics' releases. */
  mirror: z
    .string()
    .max(2000)
    .refine((u) => /^https?:\/\/[^\s]+$/i.test(u) && URL.canParse(u), 'the mirror is an http:// or https:// URL')
    .nullable(),
});
