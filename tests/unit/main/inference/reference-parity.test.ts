/**
 * Pre-processing against the real thing, bit for bit: our INTER_LINEAR resize against
 * `cv2.resize`, our letterbox against Ultralytics' `LetterBox`, our classification transform
 * against Ultralytics' `classify_transforms` (torchvision on PIL), on random images and sizes.
 *
 * Needs the Python that has Ultralytics: set ULTRALYTICS_PYTHON. Skipped otherwise (CI).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyTensor } from '../../../../src-main/services/inference/classify-transform.js';
import { decodeForInference } from '../../../../src-main/services/inference/image-decode.js';
import { letterboxTensor, resizeLinearCv } from '../../../../src-main/services/inference/letterbox.js';
import { SimdLetterbox } from '../../../../src-main/services/inference/letterbox-simd.js';
import { tempDir } from '../../helpers/images.js';
import { MODELS_DIR } from './fixtures.js';

const PYTHON = process.env.ULTRALYTICS_PYTHON;

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Smooth areas and noise: both the weights and the rounding get exercised. */
function randomImage(rand: () => number, width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  const base = [rand() * 255, rand() * 255, rand() * 255];
  for (let i = 0; i < data.length; i++) {
    const x = Math.floor(i / 3) % width;
    data[i] = Math.max(0, Math.min(255, Math.round(base[i % 3] + ((x * 7) % 50) + (rand() - 0.5) * 120)));
  }
  return data;
}

function python(script: string, args: string[]): void {
  execFileSync(PYTHON!, ['-c', script, ...args], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

describe.skipIf(!PYTHON)('pre-processing against cv2, Ultralytics and torchvision (ULTRALYTICS_PYTHON)', () => {
  it('resizes exactly as cv2.resize(INTER_LINEAR) at every size, shrinking and enlarging', () => {
    const dir = tempDir();
    const rand = random(42);
    const cases: { w: number; h: number; ow: number; oh: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const w = 1 + Math.floor(rand() * 300);
      const h = 1 + Math.floor(rand() * 300);
      const ow = 1 + Math.floor(rand() * 300);
      const oh = 1 + Math.floor(rand() * 300);
      cases.push({ w, h, ow, oh });
    }
    // Exact halving and doubling, and one-pixel edges.
    cases.push({ w: 320, h: 320, ow: 160, oh: 160 }, { w: 80, h: 60, ow: 160, oh: 120 }, { w: 1, h: 50, ow: 7, oh: 9 }, { w: 640, h: 1, ow: 33, oh: 3 });
    cases.forEach((c, i) => fs.writeFileSync(path.join(dir, `${i}.in`), randomImage(rand, c.w, c.h)));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    python(
      `import cv2, json, numpy as np, sys, os
d = sys.argv[1]
for i, c in enumerate(json.load(open(os.path.join(d, 'cases.json')))):
    a = np.fromfile(os.path.join(d, f'{i}.in'), np.uint8).reshape(c['h'], c['w'], 3)
    cv2.resize(a, (c['ow'], c['oh']), interpolation=cv2.INTER_LINEAR).tofile(os.path.join(d, f'{i}.out'))`,
      [dir],
    );
    cases.forEach((c, i) => {
      const ours = resizeLinearCv(new Uint8Array(fs.readFileSync(path.join(dir, `${i}.in`))), c.w, c.h, c.ow, c.oh);
      const theirs = new Uint8Array(fs.readFileSync(path.join(dir, `${i}.out`)));
      const first = ours.findIndex((v, k) => v !== theirs[k]);
      expect(first, `${c.w}×${c.h} → ${c.ow}×${c.oh}: first difference at byte ${first}`).toBe(-1);
    });
  });

  it("letterboxes the fixture images exactly as Ultralytics' LetterBox, after the same decode", async () => {
    const dir = tempDir();
    const files = fs.readdirSync(path.join(MODELS_DIR, 'images')).filter((f) => !f.startsWith('cls-'));
    for (const size of [160, 224, 640]) {
      python(
        `import cv2, numpy as np, sys, os
from ultralytics.data.augment import LetterBox
src, out, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
for f in sys.argv[4:]:
    a = cv2.imdecode(np.fromfile(os.path.join(src, f), np.uint8), cv2.IMREAD_COLOR)
    LetterBox((size, size), auto=False, stride=32)(image=a)[..., ::-1].transpose(2, 0, 1).copy().tofile(os.path.join(out, f'{f}.{size}'))`,
        [path.join(MODELS_DIR, 'images'), dir, String(size), ...files],
      );
      for (const f of files) {
        const image = await decodeForInference(path.join(MODELS_DIR, 'images', f));
        const theirs = new Uint8Array(fs.readFileSync(path.join(dir, `${f}.${size}`)));
        // The JavaScript letterbox and the SIMD one that predictions use.
        for (const [which, { tensor }] of [
          ['js', letterboxTensor(image, [size, size])],
          ['simd', SimdLetterbox.create()!.tensor(image, [size, size])],
        ] as const) {
          const first = theirs.findIndex((v, k) => Math.round(tensor[k] * 255) !== v);
          expect(first, `${f} at ${size} (${which}): first difference at ${first}`).toBe(-1);
        }
      }
    }
  });

  it("prepares classifier input exactly as Ultralytics' classify_transforms", () => {
    const dir = tempDir();
    const rand = random(7);
    const cases: { w: number; h: number; size: number }[] = [];
    for (let i = 0; i < 30; i++) cases.push({ w: 8 + Math.floor(rand() * 250), h: 8 + Math.floor(rand() * 250), size: [32, 64, 224][i % 3] });
    cases.forEach((c, i) => fs.writeFileSync(path.join(dir, `${i}.in`), randomImage(rand, c.w, c.h)));
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    python(
      `import json, numpy as np, sys, os
from PIL import Image
from ultralytics.data.augment import classify_transforms
d = sys.argv[1]
for i, c in enumerate(json.load(open(os.path.join(d, 'cases.json')))):
    a = np.fromfile(os.path.join(d, f'{i}.in'), np.uint8).reshape(c['h'], c['w'], 3)
    classify_transforms(c['size'])(Image.fromarray(a)).numpy().astype(np.float32).tofile(os.path.join(d, f'{i}.out'))`,
      [dir],
    );
    cases.forEach((c, i) => {
      const ours = classifyTensor({ width: c.w, height: c.h, data: new Uint8Array(fs.readFileSync(path.join(dir, `${i}.in`))) }, [c.size, c.size]);
      const buf = fs.readFileSync(path.join(dir, `${i}.out`));
      const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
      expect(ours.length).toBe(theirs.length);
      const first = ours.findIndex((v, k) => Math.abs(v - theirs[k]) > 1e-6);
      expect(first, `${c.w}×${c.h} at ${c.size}: first difference at ${first}`).toBe(-1);
    });
  });

  it('decodes JPEG and PNG to the same pixels as cv2.imdecode, EXIF orientation applied', async () => {
    const dir = tempDir();
    const files = fs.readdirSync(path.join(MODELS_DIR, 'images'));
    python(
      `import cv2, numpy as np, sys, os
src, out = sys.argv[1], sys.argv[2]
for f in sys.argv[3:]:
    a = cv2.imdecode(np.fromfile(os.path.join(src, f), np.uint8), cv2.IMREAD_COLOR)
    np.array(a.shape[:2], np.int32).tofile(os.path.join(out, f + '.shape'))
    a[..., ::-1].copy().tofile(os.path.join(out, f + '.rgb'))`,
      [path.join(MODELS_DIR, 'images'), dir, ...files],
    );
    for (const f of files) {
      const ours = await decodeForInference(path.join(MODELS_DIR, 'images', f));
      const [h, w] = new Int32Array(new Uint8Array(fs.readFileSync(path.join(dir, `${f}.shape`))).buffer);
      expect([ours.width, ours.height], f).toEqual([w, h]);
      expect(Buffer.compare(Buffer.from(ours.data), fs.readFileSync(path.join(dir, `${f}.rgb`))), f).toBe(0);
    }
  });
});
