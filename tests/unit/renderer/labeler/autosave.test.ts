import { describe, expect, it } from 'vitest';
import { StudioError, type AnnotationApplyResult, type AnnotationChange } from '@shared';
import { createAutosaveStore, isTransientError } from '../../../../src-renderer/labeler/autosave-store.js';
import { until } from '../../helpers/until.js';
import { settle } from './fake-studio.js';

const del = (id: string): AnnotationChange => ({ op: 'delete', id });

/** An apply whose answers the test gives one by one. */
function controlled() {
  const calls: { imageId: number; changes: AnnotationChange[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const apply = (imageId: number, changes: AnnotationChange[]) =>
    new Promise<AnnotationApplyResult>((resolve, reject) => {
      calls.push({ imageId, changes, resolve: () => resolve({ imageId, annotations: [], status: 'in_progress' }), reject });
    });
  return { calls, apply };
}

describe('autosave queue', () => {
  it('sends one call at a time, in the order the gestures were made', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    saves.getState().enqueue(2, [del('c')]);
    saves.getState().enqueue(1, [del('d')]);
    expect(server.calls).toHaveLength(1);
    expect(saves.getState()).toMatchObject({ status: 'saving', pending: 4 });
    server.calls[0].resolve();
    await settle();
    // b was waiting behind a for the same image: it travels alone now (c is for another image,
    // and d must not jump ahead of it).
    expect(server.calls.map((c) => c.changes.map((ch) => (ch as { id: string }).id))).toEqual([['a'], ['b']]);
    server.calls[1].resolve();
    await settle();
    server.calls[2].resolve();
    await settle();
    server.calls[3].resolve();
    await settle();
    expect(server.calls.map((c) => [c.imageId, ...c.changes.map((ch) => (ch as { id: string }).id)])).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'c'],
      [1, 'd'],
    ]);
    expect(saves.getState()).toMatchObject({ status: 'saved', pending: 0 });
  });

  it('merges a backlog for the same image into one call, keeping the order', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    saves.getState().enqueue(1, [del('c')]);
    server.calls[0].resolve();
    await settle();
    expect(server.calls[1].changes).toEqual([del('b'), del('c')]);
  });

  it('retries a transient failure with the same batch, showing that it is retrying', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply, backoff: { initialMs: 5, maxMs: 20 } });
    saves.getState().enqueue(1, [del('a')]);
    server.calls[0].reject(new StudioError('io', 'lost the connection'));
    await settle();
    expect(saves.getState()).toMatchObject({ status: 'retrying', error: 'lost the connection', pending: 1 });
    // Once the backoff is over it sends the same batch again, by itself.
    await until('the retry', () => server.calls.length === 2);
    expect(server.calls[1].changes).toEqual([del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    server.calls[1].resolve();
    await settle();
    expect(server.calls[2].changes).toEqual([del('b')]);
    server.calls[2].resolve();
    await settle();
    expect(saves.getState()).toMatchObject({ status: 'saved', error: null, pending: 0 });
  });

  it('retries at once when a gesture comes while it waits out the backoff', async () => {
    const server = controlled();
    // A backoff no test waits out: only the gesture can bring the retry.
    const saves = createAutosaveStore({ apply: server.apply, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    saves.getState().enqueue(1, [del('a')]);
    server.calls[0].reject(new StudioError('io', 'lost the connection'));
    await settle();
    expect(saves.getState()).toMatchObject({ status: 'retrying', pending: 1 });
    expect(server.calls).toHaveLength(1);
    saves.getState().enqueue(1, [del('b')]);
    await settle();
    expect(server.calls[1].changes).toEqual([del('a')]);
    server.calls[1].resolve();
    await settle();
    expect(server.calls[2].changes).toEqual([del('b')]);
    server.calls[2].resolve();
    await settle();
    expect(saves.getState()).toMatchObject({ status: 'saved', error: null, pending: 0 });
  });

  it('drops a refused batch, reports it, and goes on with the next', async () => {
    const server = controlled();
    const rejected: number[] = [];
    const saves = createAutosaveStore({ apply: server.apply, onRejected: (imageId) => rejected.push(imageId) });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(2, [del('b')]);
    server.calls[0].reject(new StudioError('invalid_input', 'bad'));
    await settle();
    expect(rejected).toEqual([1]);
    expect(saves.getState().status).toBe('saving');
    server.calls[1].resolve();
    await settle();
    expect(saves.getState()).toMatchObject({ status: 'failed', pending: 0, error: null });
  });

  it('flush waits for what is queued (for one image or all), saved or dropped', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply });
    await saves.getState().flush();
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(2, [del('b')]);
    let all = false;
    let two = false;
    void saves.getState().flush().then(() => (all = true));
    void saves.getState().flush(2).then(() => (two = true));
    expect(saves.getState().hasPending(2)).toBe(true);
    server.calls[0].resolve();
    await settle();
    expect([all, two]).toEqual([false, false]);
    expect(saves.getState().hasPending(1)).toBe(false);
    server.calls[1].reject(new StudioError('not_found', 'gone'));
    await settle();
    expect([all, two]).toEqual([true, true]);
  });

  it('tells the session when an image has nothing more on its way', async () => {
    const server = controlled();
    const settled: boolean[] = [];
    const saves = createAutosaveStore({ apply: server.apply, onSaved: (_r, done) => settled.push(done) });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    server.calls[0].resolve();
    await settle();
    server.calls[1].resolve();
    await settle();
    expect(settled).toEqual([false, true]);
  });

  it('treats lost connections and full disks as worth retrying, refusals as not', () => {
    expect(isTransientError(new StudioError('io', 'x'))).toBe(true);
    expect(isTransientError(new StudioError('disk_full', 'x'))).toBe(true);
    expect(isTransientError(new TypeError('fetch failed'))).toBe(true);
    expect(isTransientError(new StudioError('invalid_input', 'x'))).toBe(false);
    expect(isTransientError(new StudioError('conflict', 'x'))).toBe(false);
  });

  it('forgets the queue on reset, and flushes waiting on it resolve', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    const flushed = saves.getState().flush();
    saves.getState().reset();
    await flushed;
    server.calls[0].resolve();
    await settle();
    expect(server.calls).toHaveLength(1);
    expect(saves.getState()).toMatchObject({ status: 'idle', pending: 0 });
  });

  it('sends everything not yet sent at once when the page goes away, in order, one call per image run', async () => {
    const server = controlled();
    const saves = createAutosaveStore({ apply: server.apply });
    saves.getState().enqueue(1, [del('a')]);
    saves.getState().enqueue(1, [del('b')]);
    saves.getState().enqueue(2, [del('c')]);
    saves.getState().enqueue(1, [del('d')]);
    saves.getState().sendAllNow();
    expect(server.calls.map((c) => [c.imageId, ...c.changes.map((ch) => (ch as { id: string }).id)])).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'c'],
      [1, 'd'],
    ]);
    // What was in flight still counts as pending until it answers; nothing is sent twice.
    expect(saves.getState().pending).toBe(1);
    server.calls[0].resolve();
    await settle();
    expect(server.calls).toHaveLength(4);
    expect(saves.getState().hasPending()).toBe(false);
  });
});
