import { describe, expect, it, vi } from 'vitest';
import type { Suggestion } from '@shared';
import { createSuggestionsStore } from '../../../src-renderer/inference/suggestions-store.js';

const box = (id: string, confidence: number): Suggestion => ({ id, imageId: 5, classId: 1, confidence, modelId: 'm', createdAt: '2026-01-01T00:00:00Z', kind: 'box', x: 1, y: 1, w: 10, h: 10 });

function fakeApi(initial: Suggestion[]) {
  let pending = [...initial];
  const api = {
    suggestions: {
      forImage: vi.fn(async ({ imageId }: { imageId: number }) => pending.filter((s) => s.imageId === imageId)),
      accept: vi.fn(async ({ ids }: { ids: string[] }) => {
        pending = pending.filter((s) => !ids.includes(s.id));
        return { accepted: ids.map((id) => ({ suggestionId: id, annotationId: `ann-${id}`, imageId: 5 })), annotationIds: ids.map((id) => `ann-${id}`) };
      }),
      acceptAbove: vi.fn(async ({ minConfidence }: { imageId: number; minConfidence: number }) => {
        const ids = pending.filter((s) => s.confidence >= minConfidence).map((s) => s.id);
        pending = pending.filter((s) => !ids.includes(s.id));
        return { accepted: ids.map((id) => ({ suggestionId: id, annotationId: `ann-${id}`, imageId: 5 })), annotationIds: ids.map((id) => `ann-${id}`) };
      }),
      reject: vi.fn(async ({ ids }: { ids: string[] }) => {
        pending = pending.filter((s) => !ids.includes(s.id));
        return { rejected: ids.length };
      }),
    },
  };
  return api;
}

describe('suggestions store', () => {
  it('loads an image’s suggestions, most confident first', async () => {
    const api = fakeApi([box('a', 0.3), box('b', 0.9)]);
    const store = createSuggestionsStore({ api, annotationsChanged: vi.fn() });
    await store.getState().load(5);
    expect(store.getState().items.map((s) => s.id)).toEqual(['b', 'a']);
    await store.getState().load(null);
    expect(store.getState().items).toEqual([]);
  });

  it('accepting reloads the annotations and the remaining suggestions', async () => {
    const api = fakeApi([box('a', 0.3), box('b', 0.9)]);
    const annotationsChanged = vi.fn();
    const store = createSuggestionsStore({ api, annotationsChanged });
    await store.getState().load(5);
    const result = await store.getState().accept(['b']);
    expect(result?.annotationIds).toEqual(['ann-b']);
    expect(api.suggestions.accept).toHaveBeenCalledWith({ ids: ['b'] });
    expect(annotationsChanged).toHaveBeenCalledWith(5);
    expect(store.getState().items.map((s) => s.id)).toEqual(['a']);
    expect(store.getState().busy).toBe(false);
  });

  it('accepts all above a confidence, and rejects without touching annotations', async () => {
    const api = fakeApi([box('a', 0.3), box('b', 0.9), box('c', 0.6)]);
    const annotationsChanged = vi.fn();
    const store = createSuggestionsStore({ api, annotationsChanged });
    await store.getState().load(5);
    await store.getState().acceptAbove(0.5);
    expect(api.suggestions.acceptAbove).toHaveBeenCalledWith({ imageId: 5, minConfidence: 0.5 });
    expect(store.getState().items.map((s) => s.id)).toEqual(['a']);
    expect(annotationsChanged).toHaveBeenCalledTimes(1);
    expect(await store.getState().reject(['a'])).toBe(1);
    expect(store.getState().items).toEqual([]);
    expect(annotationsChanged).toHaveBeenCalledTimes(1);
  });

  it('keeps the error when accepting fails', async () => {
    const api = fakeApi([box('a', 0.3)]);
    api.suggestions.accept.mockRejectedValueOnce(new Error('gone'));
    const store = createSuggestionsStore({ api, annotationsChanged: vi.fn() });
    await store.getState().load(5);
    expect(await store.getState().accept(['a'])).toBeNull();
    expect(store.getState().error).toBe('gone');
    expect(store.getState().busy).toBe(false);
  });
});
