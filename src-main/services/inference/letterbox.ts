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
 * Resizes interleaved 8-bit pixels as cv::resize with INTER_LINEAR does, handing each output row
 * to `emit` (the row buffer is reused: copy what you keep). Values in the horizontal pass are
 * pixel × 2048 (at most 522,240), so the vertical pass's `>> 4` fits 16 bits and its sum never
 * saturates: OpenCV's saturating steps are no-ops and are left out.
 */
function resizeRows(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  channels: number,
  emit: (dy: number, r0: Int32Array, r1: Int32Array, b0: number, b1: number) => void,
): void {
  const cols = linearTaps(srcWidth, dstWidth, true);
  // Rows are not clamped here: OpenCV clamps the row index and keeps the weights.
  const rows = linearTaps(srcHeight, dstHeight, false);
  const rowLen = dstWidth * channels;
  const srcRowLen = srcWidth * channels;
  // Per output column: where its two source pixels start, and their weights. The clamped last
  // column reads its one pixel twice, the second time with weight 0.
  const off0 = new Int32Array(dstWidth);
  const off1 = new Int32Array(dstWidth);
  for (let dx = 0; dx < dstWidth; dx++) {
    off0[dx] = cols.index[dx] * channels;
    off1[dx] = Math.min(cols.index[dx] + 1, srcWidth - 1) * channels;
  }
  const a0 = cols.w0;
  const a1 = cols.w1;

  const horizontal = (sy: number, out: Int32Array) => {
    const base = sy * srcRowLen;
    if (channels === 3) {
      for (let dx = 0, o = 0; dx < dstWidth; dx++, o += 3) {
        const p = base + off0[dx];
        const q = base + off1[dx];
        const w0 = a0[dx];
        const w1 = a1[dx];
        out[o] = src[p] * w0 + src[q] * w1;
        out[o + 1] = src[p + 1] * w0 + src[q + 1] * w1;
        out[o + 2] = src[p + 2] * w0 + src[q + 2] * w1;
      }
      return;
    }
    for (let dx = 0, o = 0; dx < dstWidth; dx++, o += channels) {
      const p = base + off0[dx];
      const q = base + off1[dx];
      for (let c = 0; c < channels; c++) out[o + c] = src[p + c] * a0[dx] + src[q + c] * a1[dx];
    }
  };

  // Two horizontal rows at a time; consecutive output rows mostly share them.
  const bufs = [new Int32Array(rowLen), new Int32Array(rowLen)];
  const held = [-1, -1];
  const fetch = (sy: number, keep: number): Int32Array => {
    if (held[0] === sy) return bufs[0];
    if (held[1] === sy) return bufs[1];
    const slot = held[0] === keep ? 1 : 0;
    horizontal(sy, bufs[slot]);
    held[slot] = sy;
    return bufs[slot];
  };

  const last = srcHeight - 1;
  for (let dy = 0; dy < dstHeight; dy++) {
    const sy = rows.index[dy];
    const y0 = sy < 0 ? 0 : sy > last ? last : sy;
    const y1 = sy + 1 < 0 ? 0 : sy + 1 > last ? last : sy + 1;
    const r0 = fetch(y0, y1);
    const r1 = fetch(y1, y0);
    emit(dy, r0, r1, rows.w0[dy], rows.w1[dy]);
  }
}

/**
 * The vertical pass for one element, with OpenCV's vector rounding: the high halves of 16-bit
 * products, then a rounding shift by 2.
 */
function mix(a: number, b: number, b0: number, b1: number): number {
  const v = ((((a >> 4) * b0) >> 16) + (((b >> 4) * b1) >> 16) + 2) >> 2;
  return v > 255 ? 255 : v;
}

/**
 * Resizes interleaved 8-bit pixels as `cv2.resize(src, (dstWidth, dstHeight), interpolation=
 * cv2.INTER_LINEAR)` does. `channels` is 3 for RGB (any count works).
 */
export function resizeLinearCv(src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, channels = 3): Uint8Array {
  const rowLen = dstWidth * channels;
  const out = new Uint8Array(rowLen * dstHeight);
  resizeRows(src, srcWidth, srcHeight, dstWidth, dstHeight, channels, (dy, r0, r1, b0, b1) => {
    for (let x = 0, o = dy * rowLen; x < rowLen; x++, o++) out[o] = mix(r0[x], r1[x], b0, b1);
  });
  return out;
}

/** The grey Ultralytics pads with. */
export const PAD_VALUE = 114;

export interface LetterboxTensor {
  /** NCHW, RGB, 0–1. */
  tensor: Float32Array;
  params: LetterboxParams;
}

/** 0–255 → 0–1 as float32 division gives it. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

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
    // The vertical pass writes each pixel straight into the three planes.
    resizeRows(image.data, image.width, image.height, w, h, 3, (y, r0, r1, b0, b1) => {
      for (let x = 0, p = 0, q = (y + top) * outW + left; x < w; x++, p += 3, q++) {
        tensor[q] = UNIT[mix(r0[p], r1[p], b0, b1)];
        tensor[plane + q] = UNIT[mix(r0[p + 1], r1[p + 1], b0, b1)];
        tensor[plane2 + q] = UNIT[mix(r0[p + 2], r1[p + 2], b0, b1)];
      }
    });
  }
  return { tensor, params };
}

/** A box from letterboxed input pixels back to image pixels (not clipped), as `scale_boxes` does. */
export function unletterbox(params: LetterboxParams, x: number, y: number): [number, number] {
  return [(x - params.left) / params.gain, (y - params.top) / params.gain];
}
