/**
 * The training store's runs part: the project's runs, their epochs as they arrive, their details
 * once loaded, and starting, stopping and resuming them. A run that starts, resumes or is the
 * first seen is put in view (`training-view-slice`); loading the list also squares the runtime
 * install with the jobs the studio is running (`runtime-slice`).
 */
import {
  toErrorPayload,
  type EpochRecord,
  type ErrorPayload,
  type ModelExportFormat,
  type RunArtifact,
  type RunDetail,
  type RunSummary,
  type StudioApi,
  type TrainingProgress,
  type TrainingStartRequest,
} from '@shared';
import { appendEpoch, isActive, isBetterEpoch, mergeEpochLogs, sortRuns, statusRank, summaryOf } from './run-data.js';
import type { AdoptRuntimeJob, RuntimeSlice } from './runtime-slice.js';
import { showRun, viewOfListedRuns, viewOfNewProject, type TrainingViewSlice } from './training-view-slice.js';

export interface RunsSlice {
  /** The project the runs belong to (its folder); runs are reloaded when it changes. */
  projectDir: string | null;
  runs: RunSummary[];
  runsLoaded: boolean;
  /** Epochs per run, in epoch order, one record per epoch. */
  epochLogs: Record<string, EpochRecord[]>;
  /** When (Date.now()) the last epoch of a run arrived, to count its ETA and elapsed time down. */
  epochReceivedAt: Record<string, number>;
  /** Results, artifacts and the log tail, per run once loaded. */
  details: Record<string, RunDetail>;
  detailLoading: Record<string, boolean>;
  detailErrors: Record<string, ErrorPayload>;
  /** The latest batch progress within the current epoch, per run. */
  progress: Record<string, TrainingProgress>;
  /** Runs asked to stop that have not stopped yet. */
  stopping: Record<string, boolean>;
  /** A failure no form is waiting for (a refresh after an event, a list that did not load). */
  error: ErrorPayload | null;

  /** The page was shown for this project: loads its runs (again when the project changed). */
  open(projectDir: string | null): Promise<void>;
  /** Loads the list of runs and the run in view again (after a reconnect, say). */
  refresh(): Promise<void>;
  start(request: TrainingStartRequest): Promise<RunSummary>;
  stop(runId: string): Promise<RunSummary>;
  resume(runId: string): Promise<RunSummary>;
  loadDetail(runId: string): Promise<RunDetail | null>;
  exportModel(runId: string, format: ModelExportFormat, weights?: 'best' | 'last'): Promise<RunArtifact>;
  dismissError(): void;

  // Event handlers: the store's `attach` wires them; tests and the studio may call them directly.
  statusChanged(summary: RunSummary): void;
  epochArrived(event: { runId: string; epoch: EpochRecord }): void;
  progressed(progress: TrainingProgress): void;
}

/** What the runs part reads and moves besides its own: the view, and the runtime's check. */
type RunsContext = RunsSlice & TrainingViewSlice & Pick<RuntimeSlice, 'runtime' | 'runtimeChecking' | 'install' | 'checkRuntime'>;

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/**
 * What belongs to one project: where the store starts, and what a project switch empties, so a
 * field cannot be added to one and forgotten in the other.
 */
function emptyProjectRuns() {
  return {
    runs: [],
    runsLoaded: false,
    epochLogs: {},
    epochReceivedAt: {},
    details: {},
    detailLoading: {},
    detailErrors: {},
    progress: {},
    stopping: {},
    error: null,
  } satisfies Partial<RunsSlice>;
}

export function createRunsSlice(api: StudioApi, set: (patch: Partial<RunsSlice & TrainingViewSlice>) => void, get: () => RunsContext, adoptRuntimeJob: AdoptRuntimeJob): RunsSlice {
  /** Bumped when the project changes: answers for the previous project are dropped. */
  let generation = 0;
  /** The latest detail request per run: an older answer must not overwrite a newer one. */
  const detailRequests = new Map<string, number>();
  let nextDetailRequest = 1;
  let refreshing: { generation: number; promise: Promise<void> } | null = null;

  /** Puts a run's summary in the list. Answers to calls (`guard`) never move a run back. */
  const applySummary = (summary: RunSummary, guard: boolean) => {
    const { runs } = get();
    const i = runs.findIndex((r) => r.id === summary.id);
    if (i >= 0 && guard && statusRank(summary.status) < statusRank(runs[i].status)) return false;
    const next = i >= 0 ? runs.map((r, k) => (k === i ? summary : r)) : sortRuns([...runs, summary]);
    const patch: Partial<RunsSlice> = { runs: next };
    if (!isActive(summary.status)) {
      patch.stopping = without(get().stopping, summary.id);
      patch.progress = without(get().progress, summary.id);
    }
    set(patch);
    return true;
  };

  const background = (promise: Promise<unknown>) => {
    promise.catch((err: unknown) => set({ error: toErrorPayload(err) }));
  };

  return {
    projectDir: null,
    ...emptyProjectRuns(),

    async open(projectDir) {
      const tasks: Promise<unknown>[] = [];
      if (!get().runtime && !get().runtimeChecking) tasks.push(get().checkRuntime());
      if (projectDir !== get().projectDir) {
        generation++;
        detailRequests.clear();
        set({ projectDir, ...emptyProjectRuns(), ...viewOfNewProject(get()) });
        if (projectDir) tasks.push(get().refresh());
      } else if (projectDir && !get().runsLoaded) {
        tasks.push(get().refresh());
      }
      await Promise.all(tasks);
    },

    refresh() {
      // Nothing to load before the page was opened for a project.
      if (!get().projectDir) return Promise.resolve();
      // One at a time: a second call while one is under way gets the same answer.
      if (refreshing && refreshing.generation === generation) return refreshing.promise;
      const gen = generation;
      const promise = (async () => {
        const knownInstall = get().install?.status === 'running' ? get().install!.jobId : null;
        try {
          const [runs, jobs] = await Promise.all([api.training.list(), api.jobs.list().catch(() => null)]);
          if (gen !== generation) return;
          set({ runs: sortRuns([...runs]), runsLoaded: true, error: null });
          if (jobs) adoptRuntimeJob(jobs, knownInstall);
        } catch (err) {
          if (gen === generation) set({ error: toErrorPayload(err), runsLoaded: true });
          return;
        }
        const { runs } = get();
        const view = viewOfListedRuns(get(), runs);
        set(view);
        const reload = new Set<string>(view.focusRunId ? [view.focusRunId] : []);
        for (const id of get().overlayIds) if (!get().epochLogs[id] || isActive(runs.find((r) => r.id === id)!.status)) reload.add(id);
        await Promise.all([...reload].map((id) => get().loadDetail(id)));
      })();
      refreshing = { generation: gen, promise };
      void promise.finally(() => {
        if (refreshing?.promise === promise) refreshing = null;
      });
      return promise;
    },

    async start(request) {
      const gen = generation;
      const summary = await api.training.start(request);
      if (gen !== generation) return summary;
      applySummary(summary, true);
      set({
        ...showRun(get(), summary.id),
        epochLogs: get().epochLogs[summary.id] ? get().epochLogs : { ...get().epochLogs, [summary.id]: [] },
      });
      return summary;
    },

    async stop(runId) {
      set({ stopping: { ...get().stopping, [runId]: true } });
      try {
        const summary = await api.training.stop({ runId });
        applySummary(summary, true);
        return summary;
      } catch (err) {
        set({ stopping: without(get().stopping, runId) });
        throw err;
      }
    },

    async resume(runId) {
      const summary = await api.training.resume({ runId });
      // A resume is the one answer that takes a run back to running.
      applySummary(summary, false);
      set({ ...showRun(get(), runId), detailErrors: without(get().detailErrors, runId) });
      return summary;
    },

    async loadDetail(runId) {
      const gen = generation;
      const request = nextDetailRequest++;
      detailRequests.set(runId, request);
      set({ detailLoading: { ...get().detailLoading, [runId]: true } });
      try {
        const detail = await api.training.get({ runId });
        if (gen !== generation || detailRequests.get(runId) !== request) return detail;
        const live = get().epochLogs[runId] ?? [];
        const patch: Partial<RunsSlice> = {
          details: { ...get().details, [runId]: detail },
          epochLogs: { ...get().epochLogs, [runId]: mergeEpochLogs(detail.epochLog, live) },
          detailLoading: without(get().detailLoading, runId),
          detailErrors: without(get().detailErrors, runId),
        };
        if (!(runId in get().epochReceivedAt)) patch.epochReceivedAt = { ...get().epochReceivedAt, [runId]: Date.now() };
        set(patch);
        // Status events are newer than any answer: the detail only adds a run the list lacks.
        if (!get().runs.some((r) => r.id === runId)) applySummary(summaryOf(detail), true);
        return detail;
      } catch (err) {
        if (gen === generation && detailRequests.get(runId) === request) {
          set({ detailLoading: without(get().detailLoading, runId), detailErrors: { ...get().detailErrors, [runId]: toErrorPayload(err) } });
        }
        return null;
      }
    },

    async exportModel(runId, format, weights = 'best') {
      const artifact = await api.training.exportModel({ runId, format, weights });
      const detail = get().details[runId];
      if (detail) {
        const artifacts = [...detail.artifacts.filter((a) => a.path !== artifact.path), artifact];
        set({ details: { ...get().details, [runId]: { ...detail, artifacts } } });
      }
      return artifact;
    },

    dismissError() {
      set({ error: null });
    },

    statusChanged(summary) {
      const before = get().runs.find((r) => r.id === summary.id);
      applySummary(summary, false);
      const { focusRunId, overlayIds, details } = get();
      if (!focusRunId) set({ focusRunId: summary.id });
      const shown = get().focusRunId === summary.id || overlayIds.includes(summary.id) || summary.id in details;
      // A run that just ended has results, artifacts and a log tail to show: load them.
      const ended = !isActive(summary.status) && (!before || before.status !== summary.status);
      if (shown && ended) background(get().loadDetail(summary.id));
    },

    epochArrived({ runId, epoch }) {
      const logs = get().epochLogs;
      const patch: Partial<RunsSlice> = {
        epochLogs: { ...logs, [runId]: appendEpoch(logs[runId] ?? [], epoch) },
        epochReceivedAt: { ...get().epochReceivedAt, [runId]: Date.now() },
        progress: without(get().progress, runId),
      };
      // The list shows epochs done and the best so far without waiting for a status event.
      const run = get().runs.find((r) => r.id === runId);
      if (run && !epoch.partial) {
        const better = isBetterEpoch(epoch, run.best);
        if (better || epoch.epoch !== run.epochsDone || epoch.epochs !== run.epochs) {
          const updated: RunSummary = { ...run, epochsDone: epoch.epoch, epochs: epoch.epochs, best: better ? { epoch: epoch.epoch, metrics: epoch.metrics } : run.best };
          patch.runs = get().runs.map((r) => (r.id === runId ? updated : r));
        }
      }
      set(patch);
    },

    progressed(progress) {
      const run = get().runs.find((r) => r.id === progress.runId);
      if (run && !isActive(run.status)) return;
      set({ progress: { ...get().progress, [progress.runId]: progress } });
    },
  };
}
