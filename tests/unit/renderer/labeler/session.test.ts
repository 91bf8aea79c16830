import { afterEach, describe, expect, it } from 'vitest';
import { StudioError, type BoxAnnotation } from '@shared';
import { createLabelerSession, type LabelerSession } from '../../../../src-renderer/labeler/labeler-session.js';
import { stacksOf } from '../../../../src-renderer/labeler/history-store.js';
import type { ToolPointerEvent } from '../../../../src-renderer/labeler/tools/state-machine.js';
import { CLASSES, detectProject, fakeStudio, imageRecord, settle, type FakeStudio } from './fake-studio.js';

let session: LabelerSession | null = null;
afterEach(() => session?.dispose());

async function open(options: { task?: 'detect' | 'classify'; multiLabel?: boolean } = {}) {
  const studio = fakeStudio([imageRecord(1), imageRecord(2), imageRecord(3, 500, 400)]);
  let n = 0;
  const info = detectProject(options.multiLabel ?? false, options.task ?? 'detect');
  session = createLabelerSession({ api: studio.api, classes: () => CLASSES, project: () => info, newId: () => `id-${++n}`, backoff: { initialMs: 1, maxMs: 4 } });
  session.viewport.getState().setStageSize({ width: 1000, height: 800 });
  await session.load(studio.images.get(1)!);
  return { studio, session };
}

const ev = (s: LabelerSession, x: number, y: number, mods: Partial<ToolPointerEvent> = {}): ToolPointerEvent => {
  const vp = s.viewport.getState();
  return { point: { x, y }, screen: { x: x * vp.scale + vp.x, y: y * vp.scale + vp.y }, shift: false, mod: false, alt: false, ...mods };
};

function drag(s: LabelerSession, from: [number, number], to: [number, number]) {
  s.boxTool.pointerDown(ev(s, ...from));
  s.boxTool.pointerMove(ev(s, (from[0] + to[0]) / 2, (from[1] + to[1]) / 2));
  s.boxTool.pointerMove(ev(s, ...to));
  s.boxTool.pointerUp(ev(s, ...to));
}

function click(s: LabelerSession, x: number, y: number) {
  s.boxTool.pointerDown(ev(s, x, y));
  s.boxTool.pointerUp(ev(s, x, y));
}

const boxes = (s: LabelerSession) => [...s.document.getState().byId.values()] as BoxAnnotation[];
const stored = (studio: FakeStudio, imageId = 1) => (studio.annotations.get(imageId) ?? []) as BoxAnnotation[];
const past = (s: LabelerSession) => stacksOf(s.history.getState(), s.imageId()).past.length;
const future = (s: LabelerSession) => stacksOf(s.history.getState(), s.imageId()).future.length;

describe('undo and redo', () => {
  it('records one step per gesture and undoes them in reverse', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 110]);
    drag(s, [300, 300], [400, 350]);
    click(s, 350, 320);
    drag(s, [350, 320], [450, 420]);
    expect(past(s)).toBe(3);
    expect(boxes(s).map((b) => [b.x, b.y])).toEqual([
      [10, 10],
      [400, 400],
    ]);

    s.undo();
    expect(boxes(s).map((b) => [b.x, b.y])).toEqual([
      [10, 10],
      [300, 300],
    ]);
    s.undo();
    expect(boxes(s)).toHaveLength(1);
    s.undo();
    expect(boxes(s)).toHaveLength(0);
    expect(s.undo()).toBe(false);
    await s.autosave.getState().flush();
    expect(stored(studio)).toEqual([]);

    s.redo();
    s.redo();
    s.redo();
    expect(boxes(s).map((b) => [b.x, b.y])).toEqual([
      [10, 10],
      [400, 400],
    ]);
    await s.autosave.getState().flush();
    expect(stored(studio).map((b) => [b.id, b.x, b.y, b.w, b.h])).toEqual([
      ['id-1', 10, 10, 100, 100],
      ['id-2', 400, 400, 100, 50],
    ]);
  });

  it('clears redo when a new gesture is made', async () => {
    const { session: s } = await open();
    drag(s, [10, 10], [110, 110]);
    drag(s, [300, 300], [400, 350]);
    s.undo();
    expect(future(s)).toBe(1);
    drag(s, [500, 500], [600, 600]);
    expect(future(s)).toBe(0);
    expect(s.redo()).toBe(false);
    expect(boxes(s)).toHaveLength(2);
  });

  it('leaves no history entry for a gesture cancelled with Esc', async () => {
    const { session: s, studio } = await open();
    s.boxTool.pointerDown(ev(s, 10, 10));
    s.boxTool.pointerMove(ev(s, 200, 200));
    expect(s.cancel()).toBe(true);
    s.boxTool.pointerUp(ev(s, 200, 200));
    expect(past(s)).toBe(0);
    expect(boxes(s)).toHaveLength(0);
    await settle();
    expect(studio.applyCalls).toHaveLength(0);
  });

  it('undoes a delete with the same id, class and geometry', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    s.setClass(3);
    const before = boxes(s)[0];
    expect(before.classId).toBe(3);
    s.deleteSelection();
    expect(boxes(s)).toHaveLength(0);
    s.undo();
    expect(boxes(s)).toEqual([expect.objectContaining({ id: before.id, classId: 3, x: 10, y: 10, w: 100, h: 50 })]);
    await s.autosave.getState().flush();
    expect(stored(studio)).toEqual([expect.objectContaining({ id: before.id, classId: 3, x: 10, y: 10, w: 100, h: 50 })]);
  });

  it('sends each diff to the studio as it is made: a gesture, its undo, its redo', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    s.undo();
    s.redo();
    await s.autosave.getState().flush();
    // In order; gestures queued behind one in flight may travel in one call.
    expect(studio.applyCalls.flatMap((c) => c.changes.map((ch) => ch.op))).toEqual(['create', 'delete', 'create']);
    expect(studio.applyCalls[0].changes).toHaveLength(1);
  });

  it('changes the class of the selection in one step; without a selection, only the class of new boxes', async () => {
    const { session: s } = await open();
    expect(s.tool.getState().activeClassId).toBe(1);
    drag(s, [10, 10], [110, 60]);
    drag(s, [200, 200], [300, 300]);
    s.selectAll();
    s.setClass(2);
    expect(boxes(s).map((b) => b.classId)).toEqual([2, 2]);
    expect(past(s)).toBe(3);
    s.undo();
    expect(boxes(s).map((b) => b.classId)).toEqual([1, 1]);
    s.cancel();
    s.setClass(3);
    expect(past(s)).toBe(2);
    expect(s.tool.getState().activeClassId).toBe(3);
    drag(s, [400, 400], [500, 500]);
    expect(boxes(s)[2].classId).toBe(3);
  });

  it('keeps each image its own history for the session', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    await s.load(studio.images.get(2)!);
    expect(past(s)).toBe(0);
    drag(s, [20, 20], [120, 70]);
    await s.load(studio.images.get(1)!);
    expect(past(s)).toBe(1);
    s.undo();
    expect(boxes(s)).toHaveLength(0);
  });

  it('clears an image\'s history when it was changed elsewhere while away', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    await s.autosave.getState().flush();
    await s.load(studio.images.get(2)!);
    studio.annotations.set(1, []);
    await s.load(studio.images.get(1)!);
    expect(past(s)).toBe(0);
    expect(boxes(s)).toHaveLength(0);
  });
});

describe('autosave through the session', () => {
  it('saves every gesture in order, and retries a transient failure with the same batch', async () => {
    const { session: s, studio } = await open();
    studio.failNext.push(new StudioError('io', 'connection lost'));
    drag(s, [10, 10], [110, 60]);
    drag(s, [200, 200], [300, 300]);
    await s.autosave.getState().flush();
    expect(s.autosave.getState()).toMatchObject({ status: 'saved', pending: 0, error: null });
    // First try failed; the retry sent the same gesture again; then the second gesture.
    expect(studio.applyCalls.map((c) => c.changes.map((ch) => (ch.op === 'create' ? ch.annotation.id : ch.op)))).toEqual([['id-1'], ['id-1'], ['id-2']]);
    expect(stored(studio).map((b) => b.id)).toEqual(['id-1', 'id-2']);
  });

  it('reloads the image and forgets its history when the studio refuses an edit', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    await s.autosave.getState().flush();
    studio.failNext.push(new StudioError('invalid_input', 'no such class'));
    drag(s, [200, 200], [300, 300]);
    await s.autosave.getState().flush();
    await settle();
    expect(s.autosave.getState().status).toBe('failed');
    expect(boxes(s).map((b) => b.id)).toEqual(['id-1']);
    expect(past(s)).toBe(0);
  });

  it('waits for its own unsaved edits of an image before reading it back', async () => {
    const { session: s, studio } = await open();
    studio.hold = true;
    drag(s, [10, 10], [110, 60]);
    const away = s.load(studio.images.get(2)!);
    await away;
    const back = s.load(studio.images.get(1)!);
    await settle();
    expect(s.imageId()).toBeNull();
    studio.hold = false;
    studio.release();
    await back;
    expect(boxes(s).map((b) => b.id)).toEqual(['id-1']);
  });

  it('takes a change made elsewhere when nothing of ours is pending, and ignores it otherwise', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    await s.autosave.getState().flush();
    studio.annotations.set(1, [...stored(studio), { id: 'theirs', imageId: 1, classId: 1, kind: 'box', x: 500, y: 500, w: 20, h: 20, source: 'manual' }]);
    await s.changedElsewhere(1);
    expect(boxes(s).map((b) => b.id)).toEqual(['id-1', 'theirs']);

    studio.hold = true;
    drag(s, [300, 300], [400, 400]);
    studio.annotations.set(1, []);
    await s.changedElsewhere(1);
    expect(boxes(s)).toHaveLength(3);
    studio.hold = false;
    studio.release();
    await s.autosave.getState().flush();
  });

  it('does not reload (or drop history) for an echo of its own save', async () => {
    const { session: s } = await open();
    drag(s, [10, 10], [110, 60]);
    await s.autosave.getState().flush();
    await s.changedElsewhere(1);
    expect(past(s)).toBe(1);
  });
});

describe('copy and paste', () => {
  it('pastes copies with new ids, offset on the same image, and selects them', async () => {
    const { session: s } = await open();
    drag(s, [10, 10], [110, 60]);
    expect(s.copySelection()).toBe(1);
    expect(s.paste()).toBe(1);
    const [orig, copy] = boxes(s);
    expect(copy.id).not.toBe(orig.id);
    expect(copy.x).toBeGreaterThan(orig.x);
    expect(copy.y).toBeGreaterThan(orig.y);
    expect([copy.w, copy.h]).toEqual([orig.w, orig.h]);
    expect([...s.tool.getState().selectedIds]).toEqual([copy.id]);
    s.paste();
    expect(boxes(s)[2].x).toBeGreaterThan(copy.x);
    expect(past(s)).toBe(3);
  });

  it('pastes onto another image where the boxes were, clamped to that image', async () => {
    const { session: s, studio } = await open();
    drag(s, [400, 300], [900, 700]);
    s.copySelection();
    await s.load(studio.images.get(3)!);
    s.paste();
    expect(boxes(s)[0]).toMatchObject({ w: 500, h: 400, x: 0, y: 0 });
    expect(boxes(s)[0].x + boxes(s)[0].w).toBeLessThanOrEqual(500);
  });

  it('copies every box of the previous image, as one undo step', async () => {
    const { session: s, studio } = await open();
    drag(s, [10, 10], [110, 60]);
    drag(s, [200, 200], [300, 300]);
    await s.load(studio.images.get(2)!);
    expect(await s.copyFromPrevious()).toBe(2);
    expect(boxes(s).map((b) => [b.x, b.y, b.w, b.h])).toEqual([
      [10, 10, 100, 50],
      [200, 200, 100, 100],
    ]);
    expect(past(s)).toBe(1);
    await s.autosave.getState().flush();
    expect(stored(studio, 2)).toHaveLength(2);
  });
});

describe('classification tags', () => {
  it('keeps one tag per image, replacing it, in one undo step each', async () => {
    const { session: s, studio } = await open({ task: 'classify' });
    s.tag(1);
    s.tag(2);
    expect([...s.document.getState().byId.values()].map((a) => a.classId)).toEqual([2]);
    s.tag(2);
    expect(past(s)).toBe(2);
    s.undo();
    expect([...s.document.getState().byId.values()].map((a) => a.classId)).toEqual([1]);
    await s.autosave.getState().flush();
    expect(studio.annotations.get(1)!.map((a) => [a.kind, a.classId])).toEqual([['tag', 1]]);
  });

  it('toggles tags in a multi-label project', async () => {
    const { session: s } = await open({ task: 'classify', multiLabel: true });
    s.tag(1);
    s.tag(3);
    expect([...s.document.getState().byId.values()].map((a) => a.classId).sort()).toEqual([1, 3]);
    s.tag(1);
    expect([...s.document.getState().byId.values()].map((a) => a.classId)).toEqual([3]);
  });
});
