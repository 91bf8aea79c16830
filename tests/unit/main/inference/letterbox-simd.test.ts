/**
 * The WebAssembly SIMD letterbox must give the tensor the JavaScript letterbox gives, to the bit
 * (that one is checked against cv2 and Ultralytics in reference-parity.test.ts), and its compiled
 * kernel must be the one its text source compiles to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { letterboxTensor, type RgbImage } from '../../../../src-main/services/inference/letterbox.js';
import { SimdLetterbox } from '../../../../src-main/services/inference/letterbox-simd.js';
import { compileKernel, KERNELS } from '../../../../scripts/wasm-kernels.mjs';
import { seededRandom } from '../../helpers/random.js';

function randomImage(rand: () => number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  // Noise over gradients: both the weights and the rounding get exercised, 0 and 255 included.
  for (let i = 0; i < data.length; i++) {
    const x = Math.floor(i / 3) % width;
    data[i] = Math.max(0, Math.min(255, Math.round(((x * 13) % 256) + (rand() - 0.5) * 300)));
  }
  return { width, height, data };
}

/** The first index where the two tensors differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('the SIMD letterbox', () => {
  const simd = SimdLetterbox.create();

  it('runs here: Node has WebAssembly SIMD', () => {
    expect(simd).not.toBeNull();
  });

  it('gives the JavaScript letterbox’s tensor to the bit, shrinking, enlarging and at size', () => {
    const rand = seededRandom(23);
    const cases: [number, number, [number, number]][] = [
      [1280, 720, [640, 640]],
      [1920, 1080, [640, 640]],
      [720, 1280, [640, 640]],
      [640, 480, [640, 640]],
      [640, 640, [640, 640]],
      [100, 100, [640, 640]],
      [1, 1, [32, 32]],
      [2, 1, [4, 4]],
      [5, 3, [32, 64]],
      [333, 177, [160, 160]],
      [97, 141, [160, 160]],
      [200, 300, [320, 256]],
    ];
    for (let i = 0; i < 40; i++) {
      cases.push([1 + Math.floor(rand() * 400), 1 + Math.floor(rand() * 400), [32 * (1 + Math.floor(rand() * 8)), 32 * (1 + Math.floor(rand() * 8))]]);
    }
    for (const [width, height, shape] of cases) {
      const image = randomImage(rand, width, height);
      const expected = letterboxTensor(image, shape);
      const got = simd!.tensor(image, shape);
      expect(got.params).toEqual(expected.params);
      expect(firstDifference(got.tensor, expected.tensor), `${width}×${height} into ${shape.join('×')}`).toBe(-1);
    }
  });

  it('stays exact from one image to the next: a bigger one, a smaller one, another input size', () => {
    const rand = seededRandom(5);
    const letterbox = SimdLetterbox.create()!;
    for (const [width, height, shape] of [
      [64, 48, [64, 64]],
      [900, 700, [64, 64]],
      [64, 48, [64, 64]],
      [64, 48, [96, 128]],
      [48, 64, [96, 128]],
    ] as [number, number, [number, number]][]) {
      const image = randomImage(rand, width, height);
      expect(firstDifference(letterbox.tensor(image, shape).tensor, letterboxTensor(image, shape).tensor)).toBe(-1);
    }
  });

  it('letterboxes an image larger than its kept memory in a memory of its own, and the next one as before', () => {
    const rand = seededRandom(9);
    const letterbox = SimdLetterbox.create({ residentBytes: 50_000 })!;
    const big = randomImage(rand, 300, 200);
    const small = randomImage(rand, 60, 40);
    const bigTensor = letterbox.tensor(big, [128, 128]).tensor;
    expect(firstDifference(bigTensor, letterboxTensor(big, [128, 128]).tensor)).toBe(-1);
    const smallTensor = letterbox.tensor(small, [128, 128]).tensor;
    expect(firstDifference(smallTensor, letterboxTensor(small, [128, 128]).tensor)).toBe(-1);
    // The big image's tensor lives in its own memory: the small one did not overwrite it.
    expect(firstDifference(bigTensor, letterboxTensor(big, [128, 128]).tensor)).toBe(-1);
  });

  it('divides by 255 as the JavaScript letterbox does, for every byte value', () => {
    // The kernel divides in float32; the reference rounds a float64 quotient to float32.
    const image: RgbImage = { width: 256, height: 1, data: Uint8Array.from({ length: 256 * 3 }, (_, i) => Math.floor(i / 3)) };
    const t = SimdLetterbox.create()!.tensor(image, [1, 256]).tensor;
    for (let v = 0; v < 256; v++) expect(t[v], `value ${v}`).toBe(Math.fround(v / 255));
  });

  it('is compiled from letterbox-kernel.wat as it stands (npm run build:wasm)', async () => {
    for (const kernel of KERNELS) {
      const root = path.resolve(import.meta.dirname, '../../../..');
      const fresh = await compileKernel(path.join(root, kernel.source), kernel);
      expect(fs.readFileSync(path.join(root, kernel.generated), 'utf8'), `${kernel.generated} is stale: run npm run build:wasm`).toBe(fresh);
    }
  });
});
