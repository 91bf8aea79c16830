/**
 * The letterbox and the classification transform, against cases worked out by hand from
 * Ultralytics' and OpenCV's rules (reference-parity.test.ts checks them against the real code).
 */
import { describe, expect, it } from 'vitest';
import { classifyTensor, resizeBilinearPil, shortSideSize } from '../../../../src-main/services/inference/classify-transform.js';
import { letterboxParams, letterboxTensor, resizeLinearCv, roundHalfEven, unletterbox } from '../../../../src-main/services/inference/letterbox.js';
import { seededRandom } from '../../helpers/random.js';

describe('letterbox geometry', () => {
  it('rounds halves to even, as Python does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6, -0.1].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, 3, 0]);
  });

  it('fits the long side and centres the image, the odd pixel of padding going right or bottom', () => {
    // 333 × 177 into 160: gain 160/333, height round(85.05) = 85, 75 px of padding: 37 above, 38 below.
    expect(letterboxParams(333, 177, [160, 160])).toEqual({ gain: 160 / 333, newWidth: 160, newHeight: 85, left: 0, top: 37, right: 0, bottom: 38, shape: [160, 160] });
    // Even padding splits evenly.
    expect(letterboxParams(640, 480, [640, 640])).toMatchObject({ gain: 1, newWidth: 640, newHeight: 480, top: 80, bottom: 80, left: 0, right: 0 });
    // Small images are enlarged (Ultralytics predicts with scaleup).
    expect(letterboxParams(97, 141, [160, 160])).toMatchObject({ newWidth: 110, newHeight: 160, left: 25, right: 25 });
    // A non-square input, [height, width] = [320, 256]: the height limits, 43 px of width to pad.
    expect(letterboxParams(200, 300, [320, 256])).toMatchObject({ gain: 320 / 300, newWidth: 213, newHeight: 320, left: 21, right: 22, top: 0, bottom: 0 });
  });

  it("rounds the new size with Python's round: 5 × 8 into 4 is 2 wide, not 3", () => {
    expect(letterboxParams(5, 8, [4, 4])).toMatchObject({ gain: 0.5, newWidth: 2, newHeight: 4, left: 1, right: 1 });
  });

  it('maps input pixels back to image pixels', () => {
    const p = letterboxParams(333, 177, [160, 160]);
    expect(unletterbox(p, 0, 37)).toEqual([0, 0]);
    const [x, y] = unletterbox(p, 160, 37 + 85);
    expect(x).toBeCloseTo(333, 9);
    expect(y).toBeCloseTo(85 / (160 / 333), 9);
  });
});

describe('the INTER_LINEAR resize', () => {
  it('blends a red and a blue pixel, stretched to 4 × 2, as OpenCV rounds it', () => {
    const src = Uint8Array.from([255, 0, 0, 0, 0, 255]);
    const out = resizeLinearCv(src, 2, 1, 4, 2);
    // Columns at source x = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped): weights 1, ¾, ¼, 0 of red.
    // 191.25 rounds down and 63.75 up in OpenCV's fixed point; both rows are the one source row.
    const row = [255, 0, 0, 191, 0, 64, 64, 0, 191, 0, 0, 255];
    expect([...out]).toEqual([...row, ...row]);
  });

  it('keeps a flat image flat at any size', () => {
    const src = new Uint8Array(7 * 5 * 3).fill(200);
    for (const [w, h] of [[3, 2], [13, 11], [1, 1], [64, 3]]) expect(resizeLinearCv(src, 7, 5, w, h).every((v) => v === 200)).toBe(true);
  });
});

describe('the letterbox tensor', () => {
  it('is NCHW, RGB, 0–1, grey 114 around the resized image', () => {
    const image = { width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) };
    const { tensor, params } = letterboxTensor(image, [4, 4]);
    expect(params).toMatchObject({ gain: 2, newWidth: 4, newHeight: 2, top: 1, bottom: 1, left: 0, right: 0 });
    const grey = 114 / 255;
    const plane = (c: number) => Array.from(tensor.subarray(c * 16, c * 16 + 16), (v) => Math.round(v * 255));
    const g = Math.round(grey * 255);
    expect(plane(0)).toEqual([g, g, g, g, 255, 191, 64, 0, 255, 191, 64, 0, g, g, g, g]);
    expect(plane(1)).toEqual([g, g, g, g, 0, 0, 0, 0, 0, 0, 0, 0, g, g, g, g]);
    expect(plane(2)).toEqual([g, g, g, g, 0, 64, 191, 255, 0, 64, 191, 255, g, g, g, g]);
    expect(tensor[0]).toBe(Math.fround(114 / 255));
  });

  it('copies an image that already has the input size, untouched', () => {
    const data = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const { tensor } = letterboxTensor({ width: 4, height: 4, data }, [4, 4]);
    expect(Math.round(tensor[0] * 255)).toBe(data[0]);
    expect(Math.round(tensor[16 + 5] * 255)).toBe(data[5 * 3 + 1]);
  });

  it('holds, inside the padding, exactly what the cv2-checked resize gives, shrinking or enlarging', () => {
    // The tensor is filled by its own loop, straight into the planes; resizeLinearCv is the one
    // reference-parity.test.ts compares with cv2.resize. They must agree to the bit.
    const rand = seededRandom(11);
    for (let i = 0; i < 40; i++) {
      const width = 1 + Math.floor(rand() * 200);
      const height = 1 + Math.floor(rand() * 200);
      const shape: [number, number] = [32 * (1 + Math.floor(rand() * 6)), 32 * (1 + Math.floor(rand() * 6))];
      const data = Uint8Array.from({ length: width * height * 3 }, () => Math.floor(rand() * 256));
      const { tensor, params } = letterboxTensor({ width, height, data }, shape);
      const resized = resizeLinearCv(data, width, height, params.newWidth, params.newHeight);
      const [outH, outW] = shape;
      const plane = outH * outW;
      let first = -1;
      for (let y = 0; y < params.newHeight && first < 0; y++) {
        for (let x = 0; x < params.newWidth && first < 0; x++) {
          for (let c = 0; c < 3; c++) {
            const ours = Math.round(tensor[c * plane + (y + params.top) * outW + x + params.left] * 255);
            if (ours !== resized[(y * params.newWidth + x) * 3 + c]) first = (y * params.newWidth + x) * 3 + c;
          }
        }
      }
      expect(first, `${width}×${height} into ${shape.join('×')}`).toBe(-1);
    }
  });
});

describe('the classification transform', () => {
  it('resizes the short side to the input size, the long side in proportion (truncated)', () => {
    expect(shortSideSize(120, 72, 64)).toEqual([106, 64]);
    expect(shortSideSize(70, 100, 64)).toEqual([64, 91]);
    expect(shortSideSize(50, 50, 64)).toEqual([64, 64]);
  });

  it('antialiases when it shrinks: the triangle filter widens with the scale', () => {
    // Halving: output 0 is centred on source x = 1 and reads x 0–2 with weights ¾, ¾, ¼ (÷ 1.75).
    const src = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]) };
    expect([...resizeBilinearPil(src, 2, 1).data]).toEqual([71, 71, 71, 209, 209, 209]);
  });

  it('centre-crops the resized image: no letterbox, no padding', () => {
    // 6 × 2, red left half, blue right half, into 2 × 2: resize to 6 × 2 (no change), crop columns 2–3.
    const data = new Uint8Array(6 * 2 * 3);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 6; x++) data.set(x < 3 ? [255, 0, 0] : [0, 0, 255], (y * 6 + x) * 3);
    const t = classifyTensor({ width: 6, height: 2, data }, [2, 2]);
    expect(Array.from(t.subarray(0, 4))).toEqual([1, 0, 1, 0]);
    expect(Array.from(t.subarray(8, 12))).toEqual([0, 1, 0, 1]);
  });
});
