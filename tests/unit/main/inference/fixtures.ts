/**
 * The inference fixtures (tests/fixtures/models, made by make_fixtures.py with the real
 * Ultralytics): three small models and what Ultralytics predicted with them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { memorySettings } from '../../helpers/settings.js';
import type { StudioApi } from '@shared';

export const MODELS_DIR = path.resolve(import.meta.dirname, '../../../fixtures/models');
export const model = (name: string) => path.join(MODELS_DIR, name);
export const image = (name: string) => path.join(MODELS_DIR, 'images', name);

export interface ReferenceDetection {
  xyxy: [number, number, number, number];
  classIndex: number;
  className: string;
  confidence: number;
}

export interface Reference {
  model: string;
  task: 'detect' | 'classify';
  imgsz: number;
  conf: number;
  iou: number;
  names: string[];
  images: {
    file: string;
    width: number;
    height: number;
    detections?: ReferenceDetection[];
    top5?: { classIndex: number; className: string; confidence: number }[];
    probs?: number[];
  }[];
}

export function reference(name: string): Reference {
  return JSON.parse(fs.readFileSync(path.join(MODELS_DIR, name.replace(/\.onnx$/, '.predictions.json')), 'utf8')) as Reference;
}

const open: Studio[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
});

/** A studio with no project, its inference on the CPU only. */
export function inferenceStudio(): { studio: Studio; api: StudioApi } {
  const studio = createStudio({ mode: 'cli', settings: memorySettings(), inference: { providers: ['cpu'] } });
  open.push(studio);
  return { studio, api: createDirectClient(studio.host) };
}
