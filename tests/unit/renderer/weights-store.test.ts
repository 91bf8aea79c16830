/** The weights store: fetching pretrained weights before training, and what a user sees of a fetch. */
import { describe, expect, it } from 'vitest';
import type { JobProgress, JobResult, StudioApi, WeightsEntry, WeightsLibraryState } from '@shared';
import { createWeightsStore } from '../../../src-renderer/weights/weights-store.js';

function entry(name: string): WeightsEntry {
  return { name, path: `/lib/${name}`, bytes: 5_400_000, sha256: 'x', task: 'detect', classes: ['person'], parameters: 2_600_000, source: { kind: 'download', url: `http://127.0.0.1/${name}` }, addedAt: '2026-01-01T00:00:00.000Z', onnx: null };
}

/** A studio with a weights library in memory; the test finishes jobs when it chooses. */
function fakeStudio(entries: WeightsEntry[] = []) {
  let library: WeightsLibraryState = { dir: '/lib', source: { kind: 'releases', url: 'https://github.com/ultralytics/assets/releases/download/v8.4.0/' }, entries, pretrained: [] };
  const pulls: string[] = [];
  const cancels: string[] = [];
  /** When set, the job finishes before the pull call is answered (events can overtake answers). */
  let finishFirst: JobResult | null = null;
  const api = {
    weights: {
      list: async () => library,
      pull: async ({ name }: { name: string }) => {
        pulls.push(name);
        const jobId = `w${pulls.length}`;
        if (finishFirst) store.getState().finished({ ...finishFirst, jobId });
        return { jobId };
      },
      add: async () => ({ jobId: 'add-1' }),
      remove: async () => library,
      setMirror: async () => library,
    },
    jobs: { cancel: async ({ jobId }: { jobId: string }) => (cancels.push(jobId), { cancelled: true }), onProgress: () => () => undefined, onFinished: () => () => undefined },
  } as unknown as Pick<StudioApi, 'weights' | 'jobs'>;
  const store = createWeightsStore(api);
  return {
    store,
    pulls,
    cancels,
    add: (e: WeightsEntry) => (library = { ...library, entries: [...library.entries, e] }),
    finishFirstWith: (result: JobResult) => (finishFirst = result),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const ok = (jobId: string, added: WeightsEntry[]): JobResult => ({ jobId, kind: 'weights', status: 'ok', report: { added, refused: [] } });

describe('weights store', () => {
  it('trains at once from weights the library has: no fetch', async () => {
    const studio = fakeStudio([entry('yolo11n.pt')]);
    await studio.store.getState().ensure('yolo11n.pt');
    expect(studio.pulls).toEqual([]);
  });

  it('fetches missing weights, shows the bytes, and goes on once they are in', async () => {
    const studio = fakeStudio();
    let done = false;
    const ensured = studio.store.getState().ensure('yolo11s.pt').then(() => (done = true));
    await settle();
    expect(studio.pulls).toEqual(['yolo11s.pt']);
    const progress: JobProgress = { jobId: 'w1', kind: 'weights', phase: 'working', done: 2_000_000, total: 8_000_000, current: 'yolo11s.pt' };
    studio.store.getState().progressed(progress);
    expect(studio.store.getState().jobs).toEqual([{ jobId: 'w1', target: { kind: 'pull', name: 'yolo11s.pt' }, progress, cancelling: false }]);
    expect(done).toBe(false);

    studio.add(entry('yolo11s.pt'));
    studio.store.getState().finished(ok('w1', [entry('yolo11s.pt')]));
    await ensured;
    expect(studio.store.getState().jobs).toEqual([]);
    await settle();
    expect(studio.store.getState().library?.entries.map((e) => e.name)).toEqual(['yolo11s.pt']);
  });

  it('a failed fetch says why, in the studio’s words', async () => {
    const studio = fakeStudio();
    const ensured = studio.store.getState().ensure('yolo11n.pt');
    await settle();
    const message = 'Could not download yolo11n.pt: the network is unreachable. Set a mirror, or add the file from the Weights tab.';
    studio.store.getState().finished({ jobId: 'w1', kind: 'weights', status: 'failed', error: { code: 'offline', message } });
    await expect(ensured).rejects.toMatchObject({ code: 'offline', message });
    expect(studio.store.getState().outcomes[0]).toMatchObject({ status: 'failed', target: { kind: 'pull', name: 'yolo11n.pt' } });
  });

  it('a cancelled fetch does not go on to train', async () => {
    const studio = fakeStudio();
    const ensured = studio.store.getState().ensure('yolo11n.pt');
    await settle();
    await studio.store.getState().cancel('w1');
    expect(studio.cancels).toEqual(['w1']);
    expect(studio.store.getState().jobs[0].cancelling).toBe(true);
    studio.store.getState().finished({ jobId: 'w1', kind: 'weights', status: 'cancelled', report: { added: [], refused: [] } });
    await expect(ensured).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('a fetch that finished before its start was answered still counts', async () => {
    const studio = fakeStudio();
    studio.finishFirstWith(ok('w1', [entry('yolo26n.pt')]));
    await studio.store.getState().ensure('yolo26n.pt');
    expect(studio.store.getState().jobs).toEqual([]);
    expect(studio.store.getState().outcomes).toMatchObject([{ jobId: 'w1', status: 'ok', target: { kind: 'pull', name: 'yolo26n.pt' } }]);
  });

  it('a second Train waits for the fetch under way instead of starting another', async () => {
    const studio = fakeStudio();
    const first = studio.store.getState().ensure('yolo11n.pt');
    await settle();
    const second = studio.store.getState().ensure('yolo11n.pt');
    await settle();
    studio.store.getState().finished(ok('w1', [entry('yolo11n.pt')]));
    await Promise.all([first, second]);
    expect(studio.pulls).toEqual(['yolo11n.pt']);
  });
});
