import { describe, expect, it, vi } from 'vitest';
import type { ImportReport, JobResult, StudioApi } from '@shared';
import { createJobsStore } from '../../../src-renderer/stores/jobs-store.js';

const report: ImportReport = {
  format: 'images',
  imported: 11,
  duplicates: 1,
  failed: [{ path: 'bad.jpg', reason: 'not an image' }],
  skipped: 0,
  annotations: 0,
  classesCreated: [],
  cancelled: false,
  durationMs: 120,
};

function fakeApi(overrides: Partial<{ start: () => Promise<{ jobId: string }>; list: () => Promise<unknown[]> }> = {}) {
  const start = vi.fn(overrides.start ?? (async () => ({ jobId: 'job-1' })));
  const api = {
    imports: { start },
    exports: { start: vi.fn(async () => ({ jobId: 'exp-1' })) },
    jobs: { list: vi.fn(overrides.list ?? (async () => [])), cancel: vi.fn(async () => ({ cancelled: true })) },
  } as unknown as StudioApi;
  return { api, start };
}

describe('jobs store', () => {
  it('shows an import as running from its start until its report arrives', async () => {
    const { api } = fakeApi();
    const jobs = createJobsStore({ api });
    const jobId = await jobs.getState().importPaths(['/data/photos'], 'auto');
    expect(jobs.getState().running).toEqual([{ jobId, kind: 'import', progress: null }]);

    jobs.getState().progressed({ jobId, kind: 'import', phase: 'working', done: 4, total: 13, imported: 3, duplicates: 1, failed: 0 });
    expect(jobs.getState().running[0].progress).toMatchObject({ done: 4, total: 13 });

    const result: JobResult = { jobId, kind: 'import', status: 'ok', report };
    jobs.getState().finished(result);
    expect(jobs.getState().running).toEqual([]);
    expect(jobs.getState().results).toEqual([result]);
    jobs.getState().dismiss(jobId);
    expect(jobs.getState().results).toEqual([]);
  });

  it('starts an import that left out files outside the dataset again, allowing them, when asked', async () => {
    let n = 0;
    const { api, start } = fakeApi({ start: async () => ({ jobId: `job-${++n}` }) });
    const jobs = createJobsStore({ api });
    const first = await jobs.getState().importPaths(['/data/coco'], 'coco');
    jobs.getState().finished({ jobId: first, kind: 'import', status: 'ok', report: { ...report, outside: 2 } });

    const again = await jobs.getState().importOutsideToo(first);

    expect(start).toHaveBeenLastCalledWith({ paths: ['/data/coco'], format: 'coco', allowOutside: true });
    expect(again).toBe('job-2');
    // The question's report goes; the new import runs in its place.
    expect(jobs.getState().results).toEqual([]);
    expect(jobs.getState().running.map((j) => j.jobId)).toEqual(['job-2']);
    await expect(jobs.getState().importOutsideToo('job-from-elsewhere')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('does not resurrect a job whose report came before the answer to its start', async () => {
    let answer!: (v: { jobId: string }) => void;
    const { api } = fakeApi({ start: () => new Promise((resolve) => (answer = resolve)) });
    const jobs = createJobsStore({ api });
    const started = jobs.getState().importPaths(['/data/tiny'], 'auto');
    jobs.getState().finished({ jobId: 'job-9', kind: 'import', status: 'ok', report });
    // A late progress event must not bring it back either.
    jobs.getState().progressed({ jobId: 'job-9', kind: 'import', phase: 'finishing', done: 1, total: 1 });
    answer({ jobId: 'job-9' });
    await started;
    expect(jobs.getState().running).toEqual([]);
    expect(jobs.getState().results.map((r) => r.jobId)).toEqual(['job-9']);
  });

  it('shows jobs started elsewhere that were already running when the page loaded', async () => {
    const { api } = fakeApi({ list: async () => [{ jobId: 'other', kind: 'export', startedAt: '2025-01-01', progress: { jobId: 'other', kind: 'export', phase: 'working', done: 5, total: 10 } }] });
    const jobs = createJobsStore({ api });
    await jobs.getState().loadRunning();
    expect(jobs.getState().running).toEqual([{ jobId: 'other', kind: 'export', progress: expect.objectContaining({ done: 5 }) }]);
  });

  it('uploads dropped files, then imports the top-level names of that upload', async () => {
    const { api, start } = fakeApi();
    const puts: string[] = [];
    const fetchImpl = (async (url: string | URL | Request) => {
      puts.push(String(url));
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    const jobs = createJobsStore({ api, fetchImpl, uploadBaseUrl: 'http://studio' });
    const jobId = await jobs.getState().importUpload(
      [
        { file: new Blob(['a']), relativePath: 'shots/a.jpg' },
        { file: new Blob(['b']), relativePath: 'shots/deep/b.jpg' },
        { file: new Blob(['c']), relativePath: 'c.png' },
      ],
      'images',
    );
    expect(jobId).toBe('job-1');
    const call = (start.mock.calls as unknown as [{ paths: string[]; uploadId: string; format: string }][])[0][0];
    expect(call.paths).toEqual(['shots', 'c.png']);
    expect(call.format).toBe('images');
    expect(puts.sort()).toEqual([`http://studio/upload/${call.uploadId}/c.png`, `http://studio/upload/${call.uploadId}/shots/a.jpg`, `http://studio/upload/${call.uploadId}/shots/deep/b.jpg`]);
    expect(jobs.getState().upload).toBeNull();
    expect(jobs.getState().running.map((j) => j.jobId)).toEqual(['job-1']);
  });

  it('does not start an import when the upload failed, and says why', async () => {
    const { api, start } = fakeApi();
    const fetchImpl = (async () => new Response('{"code":"forbidden","message":"The token is wrong."}', { status: 401 })) as typeof fetch;
    const jobs = createJobsStore({ api, fetchImpl, uploadBaseUrl: 'http://studio' });
    await expect(jobs.getState().importUpload([{ file: new Blob(['a']), relativePath: 'a.jpg' }], 'auto')).rejects.toMatchObject({ code: 'forbidden' });
    expect(start).not.toHaveBeenCalled();
    expect(jobs.getState().upload).toBeNull();
  });
});
