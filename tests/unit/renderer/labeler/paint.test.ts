import { describe, expect, it } from 'vitest';
import type { Annotation } from '@shared';
import { paintBoxes, type Paint2D } from '../../../../src-renderer/labeler/canvas/paint.js';
import { sourceFor, type ImageSources } from '../../../../src-renderer/labeler/canvas/image-source.js';

/** Counts what a painter asks of the canvas. */
function recorder() {
  const calls: Record<string, number> = {};
  const rects: number[][] = [];
  const count = (name: string) => () => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const ctx = {
    beginPath: count('beginPath'),
    rect: count('rect'),
    stroke: count('stroke'),
    fill: count('fill'),
    fillRect: count('fillRect'),
    strokeRect: (...args: number[]) => {
      calls.strokeRect = (calls.strokeRect ?? 0) + 1;
      rects.push(args);
    },
    fillText: count('fillText'),
    measureText: () => ({ width: 30 }) as TextMetrics,
    moveTo: count('moveTo'),
    lineTo: count('lineTo'),
    setLineDash: count('setLineDash'),
    save: count('save'),
    restore: count('restore'),
    drawImage: count('drawImage'),
  } as unknown as Paint2D;
  return { ctx, calls, rects };
}

function grid(n: number, classes = 3): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < n; i++) out.push({ id: `b${i}`, imageId: 1, classId: 1 + (i % classes), kind: 'box', x: (i % 100) * 80, y: Math.floor(i / 100) * 80, w: 40, h: 30, source: 'manual' });
  return out;
}

const style = (classId: number) => ({ color: ['#ff0000', '#00ff00', '#0000ff'][classId - 1] ?? '#ffffff', name: `c${classId}` });

describe('painting boxes', () => {
  it('draws thousands of boxes as one rectangle each, the colour set once per class', () => {
    const r = recorder();
    const colours: string[] = [];
    Object.defineProperty(r.ctx, 'strokeStyle', { set: (v: string) => colours.push(v), get: () => colours.at(-1) });
    const result = paintBoxes(r.ctx, { annotations: grid(2000), transform: { scale: 0.1, x: 0, y: 0 }, stage: { width: 1400, height: 900 }, style, hidden: new Set() });
    expect(result.drawn).toBe(2000);
    expect(colours).toHaveLength(3);
    expect(r.calls.strokeRect).toBe(2000);
    // Too many on screen to read names.
    expect(result.labels).toBe(0);
  });

  it('skips boxes off screen, hidden classes and the boxes being dragged', () => {
    const r = recorder();
    const result = paintBoxes(r.ctx, {
      annotations: grid(2000),
      transform: { scale: 1, x: 0, y: 0 },
      stage: { width: 400, height: 200 },
      style,
      hidden: new Set([3]),
      skip: new Set(['b0']),
    });
    // On screen: columns 0–4, rows 0–2 → 15 boxes; class 3 is every third; b0 is dragged.
    const visible = grid(2000).filter((a) => a.kind === 'box' && a.x <= 402 && a.y <= 202 && a.classId !== 3 && a.id !== 'b0');
    expect(result.drawn).toBe(visible.length);
    expect(r.calls.strokeRect).toBe(visible.length);
  });

  it('writes class names when few boxes are on screen', () => {
    const r = recorder();
    const result = paintBoxes(r.ctx, { annotations: grid(20), transform: { scale: 1, x: 0, y: 0 }, stage: { width: 2000, height: 900 }, style, hidden: new Set() });
    expect(result.labels).toBe(20);
    expect(r.calls.fillText).toBe(20);
  });

  it('places boxes in stage pixels, snapped to whole pixels', () => {
    const r = recorder();
    paintBoxes(r.ctx, { annotations: [{ id: 'a', imageId: 1, classId: 1, kind: 'box', x: 10.3, y: 20.6, w: 50, h: 25, source: 'manual' }], transform: { scale: 2, x: 100, y: 50 }, stage: { width: 800, height: 600 }, style, hidden: new Set() });
    expect(r.rects[0]).toEqual([121, 91, 100, 50]);
  });
});

describe('image sources', () => {
  const preview = { image: {} as CanvasImageSource, width: 2048, height: 2048, kind: 'preview' as const };
  const full = { image: {} as CanvasImageSource, width: 8000, height: 8000, kind: 'image' as const };
  it('draws the preview while it holds every pixel on screen, the original once zoomed past it', () => {
    const sources: ImageSources = { imageId: 1, preview, full, error: null };
    expect(sourceFor(sources, 8000, 0.1)).toBe(preview);
    expect(sourceFor(sources, 8000, 0.5)).toBe(full);
    expect(sourceFor({ ...sources, full: null }, 8000, 2)).toBe(preview);
    expect(sourceFor({ ...sources, preview: null }, 8000, 0.1)).toBe(full);
  });
});
