/**
 * Classification pre-processing with the semantics of Ultralytics' `classify_transforms`, which
 * its predictor uses for exported classifiers: not a letterbox, but torchvision's
 * `Resize(size)` (the short side to `size`, the long side in proportion, truncated) on a PIL
 * image, `CenterCrop(size)`, then 0–1 (mean 0, std 1). A non-square [h, w] input stretches to
 * exactly h × w instead.
 *
 * The resize reproduces Pillow's BILINEAR resampling to the last bit: a triangle filter widened
 * by the scale when shrinking (so it averages, antialiased), 22-bit fixed-point weights,
 * horizontal pass first, 8-bit between the passes.
 */
import { roundHalfEven, type RgbImage } from './letterbox.js';

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

interface Kernel {
  /** First source pixel of each output pixel. */
  start: Int32Array;
  /** How many source pixels it reads. */
  count: Int32Array;
  ksize: number;
  /** count weights per output pixel, at ksize apart, fixed point. */
  weights: Int32Array;
}

function bilinearKernel(inSize: number, outSize: number): Kernel {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const v = t < 1 ? 1 - t : 0;
      w[x] = v;
      total += v;
    }
    for (let x = 0; x < xmax; x++) {
      const v = total !== 0 ? w[x] / total : w[x];
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, ksize, weights };
}

const clip8 = (ss: number) => {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** Resizes RGB pixels as Pillow's `Image.resize(size, Image.BILINEAR)` does. */
export function resizeBilinearPil(image: RgbImage, outWidth: number, outHeight: number): RgbImage {
  const { width, height, data } = image;
  let current: RgbImage = image;
  const vertical = bilinearKernel(height, outHeight);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  // Only the rows the vertical pass reads go through the horizontal one.
  const firstRow = needVertical ? vertical.start[0] : 0;
  const lastRow = needVertical ? vertical.start[outHeight - 1] + vertical.count[outHeight - 1] : height;
  if (needHorizontal) {
    const k = bilinearKernel(width, outWidth);
    const rows = lastRow - firstRow;
    const out = new Uint8Array(outWidth * rows * 3);
    for (let y = 0; y < rows; y++) {
      const base = (y + firstRow) * width * 3;
      for (let xx = 0; xx < outWidth; xx++) {
        const xmin = k.start[xx];
        const n = k.count[xx];
        const wo = xx * k.ksize;
        let r = ONE / 2;
        let g = ONE / 2;
        let b = ONE / 2;
        for (let x = 0; x < n; x++) {
          const p = base + (x + xmin) * 3;
          const wt = k.weights[wo + x];
          r += data[p] * wt;
          g += data[p + 1] * wt;
          b += data[p + 2] * wt;
        }
        const o = (y * outWidth + xx) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    current = { width: outWidth, height: rows, data: out };
  }
  if (!needVertical) return needHorizontal ? current : { width, height, data: data.slice() };
  const src = current.data;
  const rowLen = current.width * 3;
  const offset = needHorizontal ? firstRow : 0;
  const out = new Uint8Array(rowLen * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = vertical.start[yy] - offset;
    const n = vertical.count[yy];
    const wo = yy * vertical.ksize;
    for (let x = 0; x < rowLen; x++) {
      let ss = ONE / 2;
      for (let y = 0; y < n; y++) ss += src[(y + ymin) * rowLen + x] * vertical.weights[wo + y];
      out[yy * rowLen + x] = clip8(ss);
    }
  }
  return { width: current.width, height: outHeight, data: out };
}

/** torchvision's `Resize(size)` output size for an int size: the short side becomes `size`. */
export function shortSideSize(width: number, height: number, size: number): [number, number] {
  if (width <= height) return [size, Math.trunc((size * height) / width)];
  return [Math.trunc((size * width) / height), size];
}

/** The classifier input for an image: (1, 3, h, w) float32, RGB, 0–1. */
export function classifyTensor(image: RgbImage, shape: [number, number]): Float32Array {
  const [outH, outW] = shape;
  let resized: RgbImage;
  let left = 0;
  let top = 0;
  if (outH === outW) {
    const [w, h] = shortSideSize(image.width, image.height, outH);
    resized = w === image.width && h === image.height ? image : resizeBilinearPil(image, w, h);
    left = roundHalfEven((resized.width - outW) / 2);
    top = roundHalfEven((resized.height - outH) / 2);
  } else {
    resized = outW === image.width && outH === image.height ? image : resizeBilinearPil(image, outW, outH);
  }
  const plane = outH * outW;
  const tensor = new Float32Array(3 * plane);
  const data = resized.data;
  for (let y = 0; y < outH; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= resized.height) continue;
    for (let x = 0; x < outW; x++) {
      const sx = x + left;
      if (sx < 0 || sx >= resized.width) continue;
      const p = (sy * resized.width + sx) * 3;
      const q = y * outW + x;
      tensor[q] = data[p] / 255;
      tensor[plane + q] = data[p + 1] / 255;
      tensor[2 * plane + q] = data[p + 2] / 255;
    }
  }
  return tensor;
}
