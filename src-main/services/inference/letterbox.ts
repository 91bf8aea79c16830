/**
 * Detection pre-processing with the semantics of Ultralytics' `LetterBox` (predict mode, a static
 * ONNX input): scale to fit, keeping the aspect ratio; resize with OpenCV's INTER_LINEAR; pad
 * with grey 114, split between the sides the way Ultralytics rounds it; RGB, NCHW, /255.
 *
 * The resize reproduces `cv2.resize(..., INTER_LINEAR)` on 8-bit images to the last bit: pixel
 * centres at +0.5, single-precision source coordinates, 11-bit fixed-point weights, and the
 * vertical pass's rounding as OpenCV's vector code does it (16-bit halves of the products, then
 * a rounding shift by 2), which the OpenCV in Ultralytics' environment applies to whole rows.
 * Models were trained on what cv2 produced, so the same input gives the same confidences.
 *
 * Predictions run the same arithmetic on WebAssembly SIMD (letterbox-simd.ts); this version is
 * its reference in the tests, and what runs where an engine has no WebAssembly SIMD.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, 3 bytes a pixel, rows top to bottom. */
  data: Uint8Array;
}

export interface LetterboxParams {
  /** Scale from the image to the model input. */
  gain: number;
  /** The resized image inside the padding. */
  newWidth: number;
  newHeight: number;
  /** Padding before the image (left, top); what is left over goes right and bottom. */
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** The model input: [height, width]. */
  shape: [number, number];
}

/** Python's round(): halves to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // `+ 0` turns -0 into 0.
  return (Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/** Where the image goes in a letterboxed input of `shape` ([height, width]). */
export function letterboxParams(width: number, height: number, shape: [number, number]): LetterboxParams {
  const [outH, outW] = shape;
  const gain = Math.min(outH / height, outW / width);
  const newWidth = roundHalfEven(width * gain);
  const newHeight = roundHalfEven(height * gain);
  const dw = (outW - newWidth) / 2;
  const dh = (outH - newHeight) / 2;
  // ±0.1 before rounding: an odd padding puts the extra pixel on the right and bottom.
  const top = roundHalfEven(dh - 0.1);
  const bottom = roundHalfEven(dh + 0.1);
  const left = roundHalfEven(dw - 0.1);
  const right = roundHalfEven(dw + 0.1);
  return { gain, newWidth, newHeight, left, top, right, bottom, shape };
}

/** OpenCV's INTER_RESIZE_COEF_BITS: weights are fixed point with 11 fractional bits. */
const COEF_SCALE = 2048;

interface Taps {
  index: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

/** Source pixel and fixed-point weights for each output column or row, as cv::resize computes them. */
function linearTaps(src: number, dst: number, clampEdge: boolean): Taps {
  const scale = 1 / (dst / src);
  const index = new Int32Array(dst);
  const w0 = new Int32Array(dst);
  const w1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampEdge) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= src - 1) {
        f = 0;
        s = src - 1;
      }
    }
    index[d] = s;
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

/**
 * Everything a resize needs per output column and row, worked out once: where each output column's
 * two source pixels start (byte offsets in a row) with their weights, and each output row's two
 * source rows (clamped as OpenCV clamps them, keeping the weights) with theirs. The clamped last
 * column reads its one pixel twice, the second time with weight 0.
 */
interface ResizePlan {
  off0: Int32Array;
  off1: Int32Array;
  a0: Int32Array;
  a1: Int32Array;
  /** Byte offsets of each output row's two source rows. */
  row0: Int32Array;
  row1: Int32Array;
  b0: Int32Array;
  b1: Int32Array;
}

export function resizePlan(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, channels: number): ResizePlan {
  const cols = linearTaps(srcWidth, dstWidth, true);
  // Rows are not clamped here: OpenCV clamps the row index and keeps the weights.
  const rows = linearTaps(srcHeight, dstHeight, false);
  const off0 = new Int32Array(dstWidth);
  const off1 = new Int32Array(dstWidth);
  for (let dx = 0; dx < dstWidth; dx++) {
    off0[dx] = cols.index[dx] * channels;
    off1[dx] = Math.min(cols.index[dx] + 1, srcWidth - 1) * channels;
  }
  const last = srcHeight - 1;
  const clampRow = (y: number) => (y < 0 ? 0 : y > last ? last : y) * srcWidth * channels;
  const row0 = new Int32Array(dstHeight);
  const row1 = new Int32Array(dstHeight);
  for (let dy = 0; dy < dstHeight; dy++) {
    row0[dy] = clampRow(rows.index[dy]);
    row1[dy] = clampRow(rows.index[dy] + 1);
  }
  return { off0, off1, a0: cols.w0, a1: cols.w1, row0, row1, b0: rows.w0, b1: rows.w1 };
}

/**
 * One output value from its four source values: OpenCV's horizontal pass (value × 2048 weights,
 * at most 522,240, so `>> 4` fits 16 bits and no sum saturates: OpenCV's saturating steps are
 * no-ops and are left out), then its vertical pass with the vector code's rounding (the high
 * halves of 16-bit products, then a rounding shift by 2).
 *
 * Both passes run per output pixel, with no rows of horizontal results in between: a letterbox
 * mostly shrinks, where no row of those is used twice, and keeping them costs more memory traffic
 * than it saves (measured: 2.1× faster on a 1280×720 frame).
 */
function sample(src: Uint8Array, r0: number, r1: number, p: number, q: number, w0: number, w1: number, b0: number, b1: number): number {
  const h0 = src[r0 + p] * w0 + src[r0 + q] * w1;
  const h1 = src[r1 + p] * w0 + src[r1 + q] * w1;
  const v = ((((h0 >> 4) * b0) >> 16) + (((h1 >> 4) * b1) >> 16) + 2) >> 2;
  return v > 255 ? 255 : v;
}

/**
 * Resizes interleaved 8-bit pixels as `cv2.resize(src, (dstWidth, dstHeight), interpolation=
 * cv2.INTER_LINEAR)` does. `channels` is 3 for RGB (any count works).
 */
export function resizeLinearCv(src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, channels = 3): Uint8Array {
  const { off0, off1, a0, a1, row0, row1, b0, b1 } = resizePlan(srcWidth, srcHeight, dstWidth, dstHeight, channels);
  const out = new Uint8Array(dstWidth * dstHeight * channels);
  for (let dy = 0, o = 0; dy < dstHeight; dy++) {
    const r0 = row0[dy];
    const r1 = row1[dy];
    const v0 = b0[dy];
    const v1 = b1[dy];
    for (let dx = 0; dx < dstWidth; dx++) {
      for (let c = 0; c < channels; c++) out[o++] = sample(src, r0, r1, off0[dx] + c, off1[dx] + c, a0[dx], a1[dx], v0, v1);
    }
  }
  return out;
}

/** The grey Ultralytics pads with. */
const PAD_VALUE = 114;

export interface LetterboxTensor {
  /** NCHW, RGB, 0–1. */
  tensor: Float32Array;
  params: LetterboxParams;
}

/** 0–255 → 0–1 as float32 division gives it. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Fills the grey around the resized image in each of the tensor's three planes. */
export function fillPadding(tensor: Float32Array, params: LetterboxParams): void {
  const [outH, outW] = params.shape;
  const plane = outH * outW;
  const { newWidth: w, newHeight: h, left, top } = params;
  const grey = UNIT[PAD_VALUE];
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    tensor.fill(grey, base, base + top * outW);
    tensor.fill(grey, base + (top + h) * outW, base + plane);
    if (left > 0 || left + w < outW) {
      for (let y = top; y < top + h; y++) {
        tensor.fill(grey, base + y * outW, base + y * outW + left);
        tensor.fill(grey, base + y * outW + left + w, base + (y + 1) * outW);
      }
    }
  }
}

/**
 * The model input for an image: letterboxed into `shape` ([height, width]) and laid out as a
 * (1, 3, height, width) float32 tensor. Writes into `into` when given (length 3 × h × w). The
 * resized rows go straight into the tensor's planes; only the padding is filled with grey.
 */
export function letterboxTensor(image: RgbImage, shape: [number, number], into?: Float32Array): LetterboxTensor {
  const params = letterboxParams(image.width, image.height, shape);
  const [outH, outW] = shape;
  const plane = outH * outW;
  const tensor = into ?? new Float32Array(3 * plane);
  const { newWidth: w, newHeight: h, left, top } = params;
  fillPadding(tensor, params);
  const plane2 = 2 * plane;
  if (w === image.width && h === image.height) {
    const data = image.data;
    for (let y = 0; y < h; y++) {
      for (let x = 0, p = y * w * 3, q = (y + top) * outW + left; x < w; x++, p += 3, q++) {
        tensor[q] = UNIT[data[p]];
        tensor[plane + q] = UNIT[data[p + 1]];
        tensor[plane2 + q] = UNIT[data[p + 2]];
      }
    }
  } else {
    // Each resized pixel goes straight into the three planes.
    const { off0, off1, a0, a1, row0, row1, b0, b1 } = resizePlan(image.width, image.height, w, h, 3);
    const src = image.data;
    for (let y = 0; y < h; y++) {
      const r0 = row0[y];
      const r1 = row1[y];
      const v0 = b0[y];
      const v1 = b1[y];
      for (let x = 0, q = (y + top) * outW + left; x < w; x++, q++) {
        const p = off0[x];
        const pq = off1[x];
        const w0 = a0[x];
        const w1 = a1[x];
        tensor[q] = UNIT[sample(src, r0, r1, p, pq, w0, w1, v0, v1)];
        tensor[plane + q] = UNIT[sample(src, r0, r1, p + 1, pq + 1, w0, w1, v0, v1)];
        tensor[plane2 + q] = UNIT[sample(src, r0, r1, p + 2, pq + 2, w0, w1, v0, v1)];
      }
    }
  }
  return { tensor, params };
}

/** A box from letterboxed input pixels back to image pixels (not clipped), as `scale_boxes` does. */
export function unletterbox(params: LetterboxParams, x: number, y: number): [number, number] {
  return [(x - params.left) / params.gain, (y - params.top) / params.gain];
}
