import { describe, expect, it } from 'vitest';
import type { Annotation, AnnotationChange } from '@shared';
import { applyChanges, ChangeConflict, createDocumentStore, effectiveChanges, sameAnnotations } from '../../../../src-renderer/labeler/document-store.js';
import { createHistoryStore, stacksOf } from '../../../../src-renderer/labeler/history-store.js';

const a: Annotation = { id: 'a', imageId: 7, classId: 1, kind: 'box', x: 10, y: 20, w: 30, h: 40, source: 'manual' };
const t: Annotation = { id: 't', imageId: 7, classId: 2, kind: 'tag', source: 'import' };

describe('document diffs', () => {
  it('applies creates, updates and deletes, and the inverse undoes them exactly', () => {
    const start = new Map([[a.id, a]]);
    const changes: AnnotationChange[] = [
      { op: 'create', annotation: { id: 'b', classId: 2, kind: 'box', x: 1, y: 2, w: 3, h: 4 } },
      { op: 'update', id: 'a', patch: { x: 11, classId: 3 } },
      { op: 'delete', id: 'b' },
      { op: 'delete', id: 'a' },
    ];
    const { next, inverse } = applyChanges(start, 7, changes);
    expect([...next.keys()]).toEqual([]);
    const { next: back } = applyChanges(next, 7, inverse);
    expect([...back.values()]).toEqual([a]);
  });

  it('keeps what it does not change, and records only the patched fields in the inverse', () => {
    const { next, inverse } = applyChanges(new Map([[a.id, a]]), 7, [{ op: 'update', id: 'a', patch: { w: 99 } }]);
    expect(next.get('a')).toEqual({ ...a, w: 99 });
    expect(inverse).toEqual([{ op: 'update', id: 'a', patch: { w: 30 } }]);
  });

  it('refuses changes that do not fit the document, leaving it as it was', () => {
    const doc = createDocumentStore();
    doc.getState().load(7, [a, t]);
    const before = doc.getState().byId;
    expect(() => doc.getState().apply([{ op: 'delete', id: 'nope' }])).toThrow(ChangeConflict);
    expect(() => doc.getState().apply([{ op: 'create', annotation: { id: 'a', classId: 1, kind: 'tag' } }])).toThrow(ChangeConflict);
    expect(() => doc.getState().apply([{ op: 'update', id: 't', patch: { x: 1 } }])).toThrow(ChangeConflict);
    expect(doc.getState().byId).toBe(before);
  });

  it('drops updates that change nothing', () => {
    const byId = new Map([[a.id, a]]);
    expect(effectiveChanges(byId, [{ op: 'update', id: 'a', patch: { x: 10, y: 20 } }])).toEqual([]);
    expect(effectiveChanges(byId, [{ op: 'update', id: 'a', patch: { x: 12 } }])).toHaveLength(1);
  });

  it('compares annotations whatever their order', () => {
    const b = { ...a, id: 'b', x: 50 };
    expect(sameAnnotations(new Map([[a.id, a], [b.id, b]]), [b, a])).toBe(true);
    expect(sameAnnotations(new Map([[a.id, a]]), [{ ...a, x: 10.5 }])).toBe(false);
  });
});

describe('history stacks', () => {
  it('keeps undo and redo per image, clears redo on a new gesture and trims to its limit', () => {
    const history = createHistoryStore(3);
    const entry = (n: number) => ({ redo: [{ op: 'delete' as const, id: `r${n}` }], undo: [{ op: 'delete' as const, id: `u${n}` }] });
    const idOf = (c: AnnotationChange | undefined) => (c && c.op !== 'create' ? c.id : null);
    for (let i = 1; i <= 4; i++) history.getState().record(1, entry(i));
    history.getState().record(2, entry(9));
    expect(stacksOf(history.getState(), 1).past.map((e) => idOf(e.redo[0]))).toEqual(['r2', 'r3', 'r4']);
    expect(idOf(history.getState().takeUndo(1)?.undo[0])).toBe('u4');
    expect(stacksOf(history.getState(), 1).future).toHaveLength(1);
    history.getState().record(1, entry(5));
    expect(stacksOf(history.getState(), 1).future).toHaveLength(0);
    expect(history.getState().takeRedo(1)).toBeNull();
    expect(stacksOf(history.getState(), 2).past).toHaveLength(1);
    history.getState().clear(2);
    expect(stacksOf(history.getState(), 2).past).toHaveLength(0);
  });
});

describe('annotation ids', () => {
  it('are UUIDs the contract accepts, also where crypto.randomUUID is missing (plain http)', async () => {
    const { newAnnotationId } = await import('../../../../src-renderer/labeler/ids.js');
    const { AnnotationChangeSchema } = await import('@shared');
    const original = crypto.randomUUID;
    const ids = new Set<string>();
    try {
      (crypto as { randomUUID?: unknown }).randomUUID = undefined;
      for (let i = 0; i < 1000; i++) ids.add(newAnnotationId());
    } finally {
      (crypto as { randomUUID?: unknown }).randomUUID = original;
    }
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(AnnotationChangeSchema.safeParse({ op: 'delete', id }).success).toBe(true);
    }
  });
});
