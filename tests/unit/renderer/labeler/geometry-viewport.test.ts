import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampGroupDelta, clipRect, hitHandle, rectFromPoints, resizeRect, roundRect, shiftInside } from '../../../../src-renderer/labeler/geometry.js';
import { createViewportStore, fitTransform, toImagePoint, toStagePoint, visibleImageRect } from '../../../../src-renderer/labeler/viewport-store.js';
import { pasteBoxes } from '../../../../src-renderer/labeler/clipboard.js';

const image = { width: 1000, height: 800 };

describe('geometry in image pixels', () => {
  it('makes a rectangle from two corners in any order', () => {
    expect(rectFromPoints({ x: 50, y: 10 }, { x: 10, y: 40 })).toEqual({ x: 10, y: 10, w: 40, h: 30 });
  });

  it('clips to the image, or gives nothing when too little is left', () => {
    expect(clipRect({ x: -10, y: 790, w: 100, h: 50 }, image)).toEqual({ x: 0, y: 790, w: 90, h: 10 });
    expect(clipRect({ x: 1200, y: 10, w: 10, h: 10 }, image)).toBeNull();
  });

  it('slides a box inside without changing its size', () => {
    expect(shiftInside({ x: 950, y: -5, w: 100, h: 50 }, image)).toEqual({ x: 900, y: 0, w: 100, h: 50 });
  });

  it('clamps a group move so every box stays inside', () => {
    const boxes = [
      { x: 10, y: 10, w: 10, h: 10 },
      { x: 900, y: 700, w: 50, h: 50 },
    ];
    expect(clampGroupDelta(boxes, 100, -50, image)).toEqual({ x: 50, y: -10 });
  });

  it('never resizes past the image or below the minimum, from any handle', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w' as const),
        fc.record({ x: fc.integer({ min: 0, max: 900 }), y: fc.integer({ min: 0, max: 700 }), w: fc.integer({ min: 2, max: 100 }), h: fc.integer({ min: 2, max: 100 }) }),
        fc.record({ x: fc.integer({ min: -2000, max: 3000 }), y: fc.integer({ min: -2000, max: 3000 }) }),
        (handle, r, p) => {
          const out = resizeRect(r, handle, p, image, 1);
          return out.x >= 0 && out.y >= 0 && out.x + out.w <= image.width + 1e-9 && out.y + out.h <= image.height + 1e-9 && out.w >= 1 - 1e-9 && out.h >= 1 - 1e-9;
        },
      ),
    );
  });

  it('finds the handle under the pointer, corners first', () => {
    const r = { x: 100, y: 100, w: 4, h: 4 };
    expect(hitHandle(r, { x: 101, y: 101 }, 3)).toBe('nw');
    expect(hitHandle({ x: 100, y: 100, w: 200, h: 100 }, { x: 200, y: 98 }, 3)).toBe('n');
    expect(hitHandle({ x: 100, y: 100, w: 200, h: 100 }, { x: 150, y: 150 }, 3)).toBeNull();
  });

  it('rounds to hundredths by corners, so a box at the edge still ends there', () => {
    expect(roundRect({ x: 0.006, y: 1.114, w: 999.994, h: 10 })).toEqual({ x: 0.01, y: 1.11, w: 999.99, h: 10 });
  });

  it('offsets pasted boxes on the same image and keeps them inside', () => {
    let n = 0;
    const clip = { sourceImageId: 1, boxes: [{ classId: 1, x: 980, y: 10, w: 20, h: 20 }], pastes: 0 };
    const first = pasteBoxes(clip, 1, image, () => `p${++n}`);
    expect(first.boxes[0]).toMatchObject({ x: 980, y: 22, w: 20, h: 20 });
    const second = pasteBoxes(first.clipboard, 1, image, () => `p${++n}`);
    expect(second.boxes[0]).toMatchObject({ y: 34 });
  });
});

describe('viewport: stage ↔ image', () => {
  it('converts both ways under zoom and pan', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 40, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true }), fc.double({ min: -5000, max: 5000, noNaN: true }), (scale, x, y) => {
        const t = { scale, x, y };
        const p = { x: 123.5, y: -45.25 };
        const back = toImagePoint(t, toStagePoint(t, p));
        return Math.abs(back.x - p.x) < 1e-6 && Math.abs(back.y - p.y) < 1e-6;
      }),
    );
    expect(toImagePoint({ scale: 2, x: 100, y: 50 }, { x: 300, y: 250 })).toEqual({ x: 100, y: 100 });
  });

  it('fits the image in the stage, centred, with a margin', () => {
    const t = fitTransform({ width: 2000, height: 1000 }, { width: 1032, height: 800 }, 16);
    expect(t.scale).toBeCloseTo(0.5);
    expect(t.x).toBeCloseTo(16);
    expect(t.y).toBeCloseTo(150);
  });

  it('zooms at the cursor: the image point under it stays under it', () => {
    const vp = createViewportStore();
    vp.getState().setStageSize({ width: 800, height: 600 });
    vp.getState().setImageSize(image);
    const cursor = { x: 300, y: 200 };
    const before = toImagePoint(vp.getState(), cursor);
    vp.getState().zoomAt(cursor, 3);
    const after = toImagePoint(vp.getState(), cursor);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(vp.getState().fitted).toBe(false);
  });

  it('pans in stage pixels, limits zoom, and fits again with F', () => {
    const vp = createViewportStore();
    vp.getState().setStageSize({ width: 800, height: 600 });
    vp.getState().setImageSize(image);
    const fitted = { ...vp.getState() };
    vp.getState().panBy(30, -20);
    expect(toImagePoint(vp.getState(), { x: fitted.x + 30, y: fitted.y - 20 })).toEqual({ x: 0, y: 0 });
    for (let i = 0; i < 100; i++) vp.getState().zoomBy(2);
    expect(vp.getState().scale).toBe(40);
    vp.getState().fit();
    expect(vp.getState()).toMatchObject({ scale: fitted.scale, x: fitted.x, y: fitted.y, fitted: true });
  });

  it('refits on a window resize while fitted, and keeps the centre when not', () => {
    const vp = createViewportStore();
    vp.getState().setStageSize({ width: 800, height: 600 });
    vp.getState().setImageSize(image);
    vp.getState().setStageSize({ width: 1600, height: 1200 });
    expect(vp.getState().scale).toBeCloseTo(fitTransform(image, { width: 1600, height: 1200 }).scale);
    vp.getState().zoomBy(2);
    const centre = toImagePoint(vp.getState(), { x: 800, y: 600 });
    vp.getState().setStageSize({ width: 1000, height: 1000 });
    const after = toImagePoint(vp.getState(), { x: 500, y: 500 });
    expect(after.x).toBeCloseTo(centre.x);
    expect(after.y).toBeCloseTo(centre.y);
  });

  it('knows which part of the image is on screen', () => {
    expect(visibleImageRect({ scale: 2, x: -200, y: 0 }, { width: 800, height: 600 })).toEqual({ x: 100, y: -0, w: 400, h: 300 });
  });
});
