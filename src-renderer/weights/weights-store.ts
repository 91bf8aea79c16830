/**
 * The weights library as the renderer sees it: what the library holds, where downloads come
 * from, the pretrained weights on offer, and the weights jobs under way (a fetch by name, an
 * add from a path) with their progress. One store for the app, so the Weights tab and the
 * training form see the same fetch. `attach()` follows `jobs.onProgress` / `jobs.onFinished` of
 * kind 'weights' and loads the library again when one finishes.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { countedAttach } from '../stores/counted-attach.js';
import { StudioError, toErrorPayload, type ErrorPayload, type JobProgress, type JobResult, type StudioApi, type Unsubscribe, type WeightsLibraryState, type WeightsReport } from '@shared';

type WeightsApi = Pick<StudioApi, 'weights' | 'jobs'>;

/** What a weights job is doing: fetching pretrained weights by name, or adding a path; null for one started elsewhere. */
export type WeightsJobTarget = { kind: 'pull'; name: string } | { kind: 'add'; path: string } | null;

export interface WeightsJob {
  jobId: string;
  target: WeightsJobTarget;
  /** Null until the first progress event. For a fetch, bytes done of total. */
  progress: JobProgress | null;
  cancelling: boolean;
}

export interface WeightsOutcome {
  jobId: string;
  target: WeightsJobTarget;
  status: 'ok' | 'cancelled' | 'failed';
  report: WeightsReport | null;
  error: ErrorPayload | null;
}

export interface WeightsState {
  library: WeightsLibraryState | null;
  loadError: ErrorPayload | null;
  jobs: WeightsJob[];
  /** Finished jobs, newest first, until dismissed. */
  outcomes: WeightsOutcome[];

  /** Loads the library (again); a failure is kept in `loadError` and answered with null. */
  load(): Promise<WeightsLibraryState | null>;
  /** Starts fetching pretrained weights by name; the job's id. */
  pull(name: string): Promise<string>;
  /** Starts adding a `.pt` file or a folder of them; the job's id. */
  add(path: string): Promise<string>;
  remove(name: string): Promise<void>;
  setMirror(mirror: string | null): Promise<void>;
  cancel(jobId: string): Promise<void>;
  /**
   * Resolves once `name` is in the library, fetching it first (or waiting for the fetch under
   * way). Rejects with why not: the fetch failed (its message says what to do), was cancelled,
   * or the file was refused.
   */
  ensure(name: string): Promise<void>;
  dismiss(jobId: string): void;

  // Event handlers: `attach` wires them; tests may call them directly.
  progressed(progress: JobProgress): void;
  finished(result: JobResult): void;
  /** Follows the weights jobs' events; counted, so attaching twice subscribes once. */
  attach(): Unsubscribe;
}

const KEPT_OUTCOMES = 10;

function outcomeOf(result: JobResult, target: WeightsJobTarget): WeightsOutcome {
  // A fetch cancelled mid-way ends as an error coded 'cancelled': to a user it was cancelled, not failed.
  if (result.status === 'failed') return { jobId: result.jobId, target, status: result.error.code === 'cancelled' ? 'cancelled' : 'failed', report: null, error: result.error };
  return { jobId: result.jobId, target, status: result.status, report: result.kind === 'weights' ? result.report : null, error: null };
}

/** Why a fetch of `name` did not put it in the library, as an error to show; null when it did. */
export function pullFailure(outcome: WeightsOutcome, name: string): StudioError | null {
  if (outcome.status === 'failed' && outcome.error) return new StudioError(outcome.error.code, outcome.error.message);
  if (outcome.status === 'cancelled') return new StudioError('cancelled', `The download of ${name} was cancelled, so training did not start.`);
  if (outcome.report?.added.some((e) => e.name === name)) return null;
  const refused = outcome.report?.refused[0];
  return new StudioError('invalid_input', refused ? refused.message : `${name} did not join the weights library.`);
}

export function createWeightsStore(api: WeightsApi): StoreApi<WeightsState> {
  /** Jobs that finished, with how: a fetch answered after its finish, or waited on late, still learns it. */
  const settled = new Map<string, WeightsOutcome>();
  const waiters = new Map<string, ((outcome: WeightsOutcome) => void)[]>();

  const waitFor = (jobId: string) =>
    new Promise<WeightsOutcome>((resolve) => {
      const done = settled.get(jobId);
      if (done) resolve(done);
      else waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]);
    });

  return createStore<WeightsState>()((set, get) => {
    /** Shows a job the studio accepted, unless its finish already came in. */
    const track = (jobId: string, target: WeightsJobTarget) => {
      const early = settled.get(jobId);
      if (early) {
        const outcome = { ...early, target };
        settled.set(jobId, outcome);
        set({ outcomes: [outcome, ...get().outcomes.filter((o) => o.jobId !== jobId)] });
        return;
      }
      const jobs = get().jobs;
      const i = jobs.findIndex((j) => j.jobId === jobId);
      if (i >= 0) set({ jobs: jobs.map((j, k) => (k === i ? { ...j, target } : j)) });
      else set({ jobs: [...jobs, { jobId, target, progress: null, cancelling: false }] });
    };

    return {
      library: null,
      loadError: null,
      jobs: [],
      outcomes: [],

      async load() {
        try {
          const library = await api.weights.list();
          set({ library, loadError: null });
          return library;
        } catch (err) {
          set({ loadError: toErrorPayload(err) });
          return null;
        }
      },

      async pull(name) {
        const { jobId } = await api.weights.pull({ name });
        track(jobId, { kind: 'pull', name });
        return jobId;
      },

      async add(path) {
        const { jobId } = await api.weights.add({ path });
        track(jobId, { kind: 'add', path });
        return jobId;
      },

      async remove(name) {
        set({ library: await api.weights.remove({ name }) });
      },

      async setMirror(mirror) {
        set({ library: await api.weights.setMirror({ mirror }) });
      },

      async cancel(jobId) {
        set({ jobs: get().jobs.map((j) => (j.jobId === jobId ? { ...j, cancelling: true } : j)) });
        try {
          await api.jobs.cancel({ jobId });
        } catch (err) {
          set({ jobs: get().jobs.map((j) => (j.jobId === jobId ? { ...j, cancelling: false } : j)) });
          throw err;
        }
      },

      async ensure(name) {
        // Asked again, not taken from memory: another window may have fetched or removed it since.
        const library = await get().load();
        if (!library) throw new StudioError(get().loadError?.code ?? 'io', get().loadError?.message ?? 'The weights library could not be read.');
        if (library.entries.some((e) => e.name === name)) return;
        const running = get().jobs.find((j) => j.target?.kind === 'pull' && j.target.name === name);
        const jobId = running?.jobId ?? (await get().pull(name));
        const failure = pullFailure(await waitFor(jobId), name);
        if (failure) throw failure;
      },

      dismiss(jobId) {
        set({ outcomes: get().outcomes.filter((o) => o.jobId !== jobId) });
      },

      progressed(progress) {
        if (progress.kind !== 'weights' || settled.has(progress.jobId)) return;
        const jobs = get().jobs;
        const i = jobs.findIndex((j) => j.jobId === progress.jobId);
        if (i >= 0) set({ jobs: jobs.map((j, k) => (k === i ? { ...j, progress } : j)) });
        else set({ jobs: [...jobs, { jobId: progress.jobId, target: null, progress, cancelling: false }] });
      },

      finished(result) {
        if (result.kind !== 'weights') return;
        const job = get().jobs.find((j) => j.jobId === result.jobId);
        const outcome = outcomeOf(result, job?.target ?? null);
        settled.set(result.jobId, outcome);
        for (const resolve of waiters.get(result.jobId) ?? []) resolve(outcome);
        waiters.delete(result.jobId);
        set({
          jobs: get().jobs.filter((j) => j.jobId !== result.jobId),
          // A job not seen yet gets its line when its start is answered (`track`).
          outcomes: job ? [outcome, ...get().outcomes].slice(0, KEPT_OUTCOMES) : get().outcomes,
        });
        void get().load();
      },

      attach: countedAttach(() => [api.jobs.onProgress((p) => get().progressed(p)), api.jobs.onFinished((r) => get().finished(r))]),
    };
  });
}
