/**
 * Import and export jobs: what is running (with its latest progress), what finished (with its
 * report, until dismissed), and the browser upload that precedes an import of dropped files.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { StudioError, type ExportStartRequest, type ImportFormat, type JobKind, type JobProgress, type JobResult, type StudioApi } from '@shared';
import { distinctPaths, newUploadId, topLevelNames, uploadFiles, type UploadEntry, type UploadProgress } from '../transport/upload.js';

export interface RunningJob {
  jobId: string;
  kind: JobKind;
  /** Null until the first progress event. */
  progress: JobProgress | null;
}

interface UploadState {
  progress: UploadProgress;
  cancelling: boolean;
}

export interface JobsState {
  running: RunningJob[];
  /** Finished jobs, newest first, until dismissed. */
  results: JobResult[];
  upload: UploadState | null;

  /** Jobs already running when the page loaded (or reconnected). */
  loadRunning(): Promise<void>;
  progressed(progress: JobProgress): void;
  finished(result: JobResult): void;
  cancel(jobId: string): Promise<void>;
  dismiss(jobId: string): void;
  /** Imports files or folders the host can read by path. */
  importPaths(paths: string[], format: ImportFormat, allowOutside?: boolean): Promise<string>;
  /**
   * Starts a finished import of paths again, taking the files outside the dataset's folder it
   * left out too (the ones it imported are found again as duplicates).
   * @throws StudioError `not_found` for an import this window did not start
   */
  importOutsideToo(jobId: string): Promise<string>;
  /** Uploads files picked or dropped in the browser, then imports them. Null when cancelled. */
  importUpload(entries: readonly UploadEntry[], format: ImportFormat): Promise<string | null>;
  cancelUpload(): void;
  startExport(request: ExportStartRequest): Promise<string>;
}

interface JobsStoreDeps {
  api: StudioApi;
  /** Host paths for uploads; the page's origin when left out. */
  uploadBaseUrl?: string;
  fetchImpl?: typeof fetch;
}

const KEPT_RESULTS = 10;

export function createJobsStore({ api, uploadBaseUrl, fetchImpl }: JobsStoreDeps): StoreApi<JobsState> {
  /** Jobs that finished, so a start answered after the finish does not show them as running. */
  const finishedIds = new Set<string>();
  let uploadAbort: AbortController | null = null;
  /** What each import of paths was started with, so it can be started again allowing outside files. */
  const importRequests = new Map<string, { paths: string[]; format: ImportFormat }>();

  const track = (jobId: string, kind: JobKind) => {
    if (finishedIds.has(jobId)) return;
    const { running } = store.getState();
    if (running.some((j) => j.jobId === jobId)) return;
    store.setState({ running: [...running, { jobId, kind, progress: null }] });
  };

  const store = createStore<JobsState>()((set, get) => ({
    running: [],
    results: [],
    upload: null,

    async loadRunning() {
      const jobs = await api.jobs.list();
      const known = new Map(get().running.map((j) => [j.jobId, j]));
      set({
        running: jobs
          .filter((j) => !finishedIds.has(j.jobId))
          .map((j) => ({ jobId: j.jobId, kind: j.kind, progress: j.progress ?? known.get(j.jobId)?.progress ?? null })),
      });
    },

    progressed(progress) {
      if (finishedIds.has(progress.jobId)) return;
      const { running } = get();
      const i = running.findIndex((j) => j.jobId === progress.jobId);
      const entry: RunningJob = { jobId: progress.jobId, kind: progress.kind, progress };
      set({ running: i < 0 ? [...running, entry] : running.map((j, k) => (k === i ? entry : j)) });
    },

    finished(result) {
      finishedIds.add(result.jobId);
      set({
        running: get().running.filter((j) => j.jobId !== result.jobId),
        results: [result, ...get().results.filter((r) => r.jobId !== result.jobId)].slice(0, KEPT_RESULTS),
      });
    },

    async cancel(jobId) {
      await api.jobs.cancel({ jobId });
    },

    dismiss(jobId) {
      set({ results: get().results.filter((r) => r.jobId !== jobId) });
    },

    async importPaths(paths, format, allowOutside = false) {
      const { jobId } = await api.imports.start({ paths, format, allowOutside });
      if (!allowOutside) importRequests.set(jobId, { paths, format });
      track(jobId, 'import');
      return jobId;
    },

    async importOutsideToo(jobId) {
      const request = importRequests.get(jobId);
      if (!request) throw new StudioError('not_found', 'Another window or the command line started this import: start it again there, allowing files outside the dataset.');
      importRequests.delete(jobId);
      const started = await get().importPaths(request.paths, request.format, true);
      get().dismiss(jobId);
      return started;
    },

    async importUpload(rawEntries, format) {
      if (get().upload) throw new StudioError('conflict', 'An upload is already under way; wait for it or cancel it first.');
      const entries = distinctPaths(rawEntries);
      if (entries.length === 0) throw new StudioError('invalid_input', 'There were no files in what you dropped.');
      const uploadId = newUploadId();
      uploadAbort = new AbortController();
      set({ upload: { progress: { filesDone: 0, filesTotal: entries.length, bytesDone: 0, bytesTotal: 0 }, cancelling: false } });
      try {
        await uploadFiles(entries, {
          uploadId,
          signal: uploadAbort.signal,
          baseUrl: uploadBaseUrl,
          fetchImpl,
          onProgress: (progress) => {
            const upload = get().upload;
            if (upload) set({ upload: { ...upload, progress } });
          },
        });
      } catch (err) {
        if (err instanceof StudioError && err.code === 'cancelled') return null;
        throw err;
      } finally {
        uploadAbort = null;
        set({ upload: null });
      }
      const { jobId } = await api.imports.start({ paths: topLevelNames(entries), uploadId, format });
      track(jobId, 'import');
      return jobId;
    },

    cancelUpload() {
      const upload = get().upload;
      if (!upload || !uploadAbort) return;
      set({ upload: { ...upload, cancelling: true } });
      uploadAbort.abort();
    },

    async startExport(request) {
      const { jobId } = await api.exports.start(request);
      track(jobId, 'export');
      return jobId;
    },
  }));
  return store;
}
