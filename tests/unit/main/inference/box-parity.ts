/**
 * Comparing two sets of boxes for one image, as the parity tests do: the studio's ONNX path
 * against Ultralytics' own predictions (parity.test.ts), and against the runtime's PyTorch
 * (runtime-predict.test.ts).
 */
import { expect } from 'vitest';
import type { Detection } from '@shared';
import type { ReferenceDetection } from './fixtures.js';

export const CONF_TOLERANCE = 1e-3;
const MIN_IOU = 0.99;

function iou(a: [number, number, number, number], b: [number, number, number, number]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return a.every((v, i) => Math.abs(v - b[i]) < 1e-3) ? 1 : 0;
  const inter = w * h;
  const area = (r: number[]) => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

export const xyxy = (d: Detection): [number, number, number, number] => [d.x, d.y, d.x + d.w, d.y + d.h];

export interface Worst {
  iou: number;
  conf: number;
  matched: number;
}

/**
 * Pairs reference and predicted boxes (same class, best IoU, closest confidence). Boxes whose
 * confidence is within the tolerance of the threshold may fall on either side of it in one
 * implementation and not the other; every other box must be paired.
 */
export function compare(ref: ReferenceDetection[], ours: Detection[], conf: number, worst: Worst, where: string, tolerance = CONF_TOLERANCE): void {
  const sure = (c: number) => c > conf + tolerance;
  const used = new Set<number>();
  for (const r of [...ref].sort((a, b) => b.confidence - a.confidence)) {
    let best = -1;
    let bestScore = -Infinity;
    ours.forEach((o, i) => {
      if (used.has(i) || o.classIndex !== r.classIndex) return;
      const score = iou(r.xyxy, xyxy(o)) - Math.abs(o.confidence - r.confidence);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    if (best < 0) {
      expect(sure(r.confidence), `${where}: Ultralytics found ${r.className} ${r.confidence.toFixed(4)} at ${r.xyxy.map((v) => v.toFixed(1))}; we did not`).toBe(false);
      continue;
    }
    used.add(best);
    const o = ours[best];
    const overlap = iou(r.xyxy, xyxy(o));
    const diff = Math.abs(o.confidence - r.confidence);
    expect(overlap, `${where}: ${r.className} box`).toBeGreaterThanOrEqual(MIN_IOU);
    expect(diff, `${where}: ${r.className} confidence`).toBeLessThanOrEqual(tolerance);
    worst.iou = Math.min(worst.iou, overlap);
    worst.conf = Math.max(worst.conf, diff);
    worst.matched++;
  }
  ours.forEach((o, i) => {
    if (!used.has(i)) expect(sure(o.confidence), `${where}: we found ${o.className} ${o.confidence.toFixed(4)} that Ultralytics did not`).toBe(false);
  });
  expect(ours.filter((o) => sure(o.confidence)).length, `${where}: count above conf`).toBe(ref.filter((r) => sure(r.confidence)).length);
}

