import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { ImageRecord, ImageStatus } from '@shared';
import { runCommand, type CommandEnv } from '../../../../src-renderer/labeler/commands.js';
import { createLabelerSession, type LabelerSession } from '../../../../src-renderer/labeler/labeler-session.js';
import type { ViewerState } from '../../../../src-renderer/stores/viewer-store.js';
import { CLASSES, detectProject, fakeStudio, imageRecord } from './fake-studio.js';

let session: LabelerSession | null = null;
afterEach(() => session?.dispose());

/** A viewer that records where it was asked to go. */
function fakeViewer(image: ImageRecord) {
  const moves: string[] = [];
  const viewer = createStore<ViewerState>()((set, get) => ({
    index: 0,
    image,
    isOpen: true,
    loading: false,
    error: null,
    open: async () => undefined,
    openImage: async () => undefined,
    step: async (delta: number) => void moves.push(delta > 0 ? 'next' : 'previous'),
    stepWhere: async (direction: 'next' | 'previous') => (moves.push(`${direction} unlabeled`), true),
    setStatus: async (status: ImageStatus) => set({ image: { ...get().image!, status } }),
    patchImage: () => undefined,
    close: () => void moves.push('close'),
  }));
  return { viewer, moves };
}

async function env(task: 'detect' | 'classify', multiLabel = false) {
  const studio = fakeStudio([imageRecord(1), imageRecord(2)]);
  const info = detectProject(multiLabel, task);
  session = createLabelerSession({ api: studio.api, classes: () => CLASSES, project: () => info });
  session.viewport.getState().setStageSize({ width: 1000, height: 800 });
  await session.load(studio.images.get(1)!);
  const { viewer, moves } = fakeViewer(studio.images.get(1)!);
  let help = false;
  const e: CommandEnv = { session, viewer, classes: () => CLASSES, project: () => info, toggleHelp: () => (help = !help), close: () => viewer.getState().close(), report: (err) => { throw err; } };
  return { e, moves, viewer, session, help: () => help };
}

describe('labeler commands', () => {
  it('tags and moves on in single-label classification; toggles and stays in multi-label', async () => {
    const single = await env('classify');
    await runCommand({ type: 'class', index: 1 }, single.e);
    expect([...single.session.document.getState().byId.values()].map((a) => a.classId)).toEqual([2]);
    expect(single.moves).toEqual(['next']);
    session?.dispose();
    const multi = await env('classify', true);
    await runCommand({ type: 'class', index: 0 }, multi.e);
    await runCommand({ type: 'class', index: 2 }, multi.e);
    expect(multi.moves).toEqual([]);
    expect(multi.session.document.getState().byId.size).toBe(2);
  });

  it('ignores a digit with no class behind it', async () => {
    const { e, session: s } = await env('classify');
    await runCommand({ type: 'class', index: 7 }, e);
    expect(s.document.getState().byId.size).toBe(0);
  });

  it('marks done and back, review and back, and done-and-next', async () => {
    const { e, viewer, moves } = await env('detect');
    await runCommand({ type: 'markDone' }, e);
    expect(viewer.getState().image?.status).toBe('done');
    await runCommand({ type: 'markDone' }, e);
    expect(viewer.getState().image?.status).toBe('in_progress');
    await runCommand({ type: 'markReview' }, e);
    expect(viewer.getState().image?.status).toBe('review');
    await runCommand({ type: 'markDoneAndNext' }, e);
    expect(viewer.getState().image?.status).toBe('done');
    expect(moves).toEqual(['next']);
  });

  it('Esc lets go of the selection first, and closes the labeler only when nothing is left to cancel', async () => {
    const { e, session: s, moves } = await env('detect');
    s.commit([{ op: 'create', annotation: { id: 'a', classId: 1, kind: 'box', x: 1, y: 1, w: 50, h: 50 } }]);
    s.tool.getState().select(['a']);
    await runCommand({ type: 'cancel' }, e);
    expect(moves).toEqual([]);
    expect(s.tool.getState().selectedIds.size).toBe(0);
    await runCommand({ type: 'cancel' }, e);
    expect(moves).toEqual(['close']);
  });

  it('hides a class with Shift+digit, changes the tool mode and zooms', async () => {
    const { e, session: s, help } = await env('detect');
    await runCommand({ type: 'toggleClass', index: 1 }, e);
    expect([...s.viewport.getState().hiddenClassIds]).toEqual([2]);
    await runCommand({ type: 'mode', mode: 'select' }, e);
    expect(s.tool.getState().mode).toBe('select');
    const before = s.viewport.getState().scale;
    await runCommand({ type: 'zoomIn' }, e);
    expect(s.viewport.getState().scale).toBeCloseTo(before * 1.25);
    await runCommand({ type: 'fit' }, e);
    expect(s.viewport.getState().scale).toBeCloseTo(before);
    await runCommand({ type: 'help' }, e);
    expect(help()).toBe(true);
  });
});
