import { describe, expect, it } from 'vitest';
import type { Suggestion } from '@shared';
import { paintSuggestions, SUGGESTION_ALPHA, type Paint2D } from '../../../src-renderer/labeler/canvas/paint.js';

function recorder() {
  const rects: number[][] = [];
  const dashes: number[][] = [];
  const texts: string[] = [];
  const alphas: number[] = [];
  const ctx = {
    strokeRect: (...args: number[]) => {
      rects.push(args);
      alphas.push(ctx.globalAlpha);
    },
    fillRect: () => undefined,
    fillText: (text: string) => texts.push(text),
    measureText: () => ({ width: 30 }) as TextMetrics,
    setLineDash: (d: number[]) => dashes.push(d),
    save: () => undefined,
    restore: () => undefined,
    globalAlpha: 1,
  } as unknown as Paint2D & { globalAlpha: number };
  return { ctx, rects, dashes, texts, alphas };
}

const suggestion = (id: string, classId: number, confidence: number): Suggestion => ({ id, imageId: 1, classId, confidence, modelId: 'm', createdAt: '', kind: 'box', x: 10, y: 20, w: 30, h: 40 });

describe('paintSuggestions', () => {
  it('draws boxes dashed and faint, labelled with class and confidence, skipping hidden classes and tags', () => {
    const { ctx, rects, dashes, texts, alphas } = recorder();
    const drawn = paintSuggestions(ctx, {
      suggestions: [suggestion('a', 1, 0.87), suggestion('b', 2, 0.5), { ...suggestion('c', 1, 0.4), kind: 'tag' } as Suggestion],
      transform: { scale: 2, x: 5, y: 0 },
      style: (id) => ({ color: '#ff0000', name: id === 1 ? 'cat' : 'dog' }),
      hidden: new Set([2]),
    });
    expect(drawn).toBe(1);
    expect(rects).toEqual([[25, 40, 60, 80]]);
    expect(dashes[0]?.length).toBeGreaterThan(0);
    expect(alphas).toEqual([SUGGESTION_ALPHA]);
    expect(texts).toEqual(['cat 0.87?']);
  });

  it('draws the suggestion the keys act on as bright as a box, the others faint', () => {
    const { ctx, alphas } = recorder();
    paintSuggestions(ctx, { suggestions: [suggestion('a', 1, 0.9), suggestion('b', 1, 0.8)], nextId: 'b', transform: { scale: 1, x: 0, y: 0 }, style: () => ({ color: '#ff0000', name: 'cat' }), hidden: new Set() });
    expect(alphas).toEqual([SUGGESTION_ALPHA, 1]);
  });
});
