/**
 * Training, as the renderer sees it: the Python runtime (checked, configured, installed), the
 * project's runs with their epochs as they arrive, the run in view and the runs overlaid on its
 * charts, and the form (kept here so it survives switching tabs).
 *
 * Everything live comes as events, never by polling: `training.onStatus` (a run's summary
 * changed), `training.onEpoch` (an epoch finished), `training.onProgress` (batches within an
 * epoch) and, for a runtime install, `jobs.onProgress` / `jobs.onFinished` of kind 'runtime'.
 * `attach()` subscribes to them; the studio calls it once, or the page while it is shown.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  StudioError,
  type EpochRecord,
  type ErrorPayload,
  type JobInfo,
  type JobProgress,
  type JobResult,
  type ModelExportFormat,
  type RunArtifact,
  type RunDetail,
  type RunSummary,
  type RuntimeStatus,
  type StudioApi,
  type TrainingProgress,
  type TrainingStartRequest,
  type Unsubscribe,
} from '@shared';
import { appendEpoch, isActive, mergeEpochLogs, metricValue, sortRuns, statusRank } from './run-data.js';
import { DEFAULT_FORM, type TrainingFormValues } from './training-form.js';

export type InstallMode = 'install' | 'reinstall' | 'recreate';

export interface RuntimeInstall {
  /** Null between asking for the install and the studio's answer. */
  jobId: string | null;
  mode: InstallMode | null;
  status: 'starting' | 'running' | 'ok' | 'cancelled' | 'failed';
  progress: JobProgress | null;
  /** What the installer said, oldest first (the last MAX_INSTALL_LINES). */
  lines: string[];
  cancelling: boolean;
  error: ErrorPayload | null;
}

export interface TrainingState {
  runtime: RuntimeStatus | null;
  runtimeChecking: boolean;
  runtimeError: ErrorPayload | null;
  install: RuntimeInstall | null;

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
  /** The run the live view, charts and results show. */
  focusRunId: string | null;
  /** Other runs drawn on the same charts, in the order they were picked. */
  overlayIds: string[];
  /** A failure no form is waiting for (a refresh after an event, a list that did not load). */
  error: ErrorPayload | null;
  form: TrainingFormValues;

  attach(): Unsubscribe;
  /** The page was shown for this project: loads its runs (again when the project changed). */
  open(projectDir: string | null): Promise<void>;
  /** Loads the list of runs and the run in view again (after a reconnect, say). */
  refresh(): Promise<void>;
  checkRuntime(): Promise<RuntimeStatus | null>;
  configureRuntime(python: string | null): Promise<RuntimeStatus>;
  installRuntime(mode: InstallMode): Promise<string>;
  cancelInstall(): Promise<void>;
  dismissInstall(): void;
  start(request: TrainingStartRequest): Promise<RunSummary>;
  stop(runId: string): Promise<RunSummary>;
  resume(runId: string): Promise<RunSummary>;
  focus(runId: string | null): Promise<void>;
  toggleOverlay(runId: string): Promise<void>;
  clearOverlay(): void;
  loadDetail(runId: string): Promise<RunDetail | null>;
  exportModel(runId: string, format: ModelExportFormat, weights?: 'best' | 'last'): Promise<RunArtifact>;
  setForm(patch: Partial<TrainingFormValues>): void;
  resetForm(): void;
  dismissError(): void;

  // Event handlers: `attach` wires them; tests and the studio may call them directly.
  statusChanged(summary: RunSummary): void;
  epochArrived(event: { runId: string; epoch: EpochRecord }): void;
  progressed(progress: TrainingProgress): void;
  installProgressed(progress: JobProgress): void;
  installFinished(result: JobResult): void;
}

export const MAX_INSTALL_LINES = 500;

export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof StudioError) return { code: err.code, message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

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
function emptyProjectState() {
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
    focusRunId: null,
    overlayIds: [],
    error: null,
  } satisfies Partial<TrainingState>;
}

export function createTrainingStore(api: StudioApi): StoreApi<TrainingState> {
  /** Bumped when the project changes: answers for the previous project are dropped. */
  let generation = 0;
  /** The latest detail request per run: an older answer must not overwrite a newer one. */
  const detailRequests = new Map<string, number>();
  let nextDetailRequest = 1;
  /** Runtime jobs that finished, so a late progress event does not bring one back. */
  const finishedJobs = new Set<string>();
  let attachCount = 0;
  let refreshing: { generation: number; promise: Promise<void> } | null = null;
  let subscriptions: Unsubscribe[] = [];

  const store = createStore<TrainingState>()((set, get) => {
    /** Puts a run's summary in the list. Answers to calls (`guard`) never move a run back. */
    const applySummary = (summary: RunSummary, guard: boolean) => {
      const { runs } = get();
      const i = runs.findIndex((r) => r.id === summary.id);
      if (i >= 0 && guard && statusRank(summary.status) < statusRank(runs[i].status)) return false;
      const next = i >= 0 ? runs.map((r, k) => (k === i ? summary : r)) : sortRuns([...runs, summary]);
      const patch: Partial<TrainingState> = { runs: next };
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

    const updateInstall = (patch: Partial<RuntimeInstall>) => {
      const install = get().install;
      if (install) set({ install: { ...install, ...patch } });
    };

    /**
     * Squares the install in view with the jobs the studio is running: one started elsewhere (or
     * before the page) is shown; one that ended while its events could not arrive (the socket was
     * down) is let go, and the runtime checked again to learn how it ended.
     */
    const adoptRuntimeJob = (jobs: JobInfo[], knownInstall: string | null) => {
      const installing = jobs.find((j) => j.kind === 'runtime' && !finishedJobs.has(j.jobId));
      const install = get().install;
      if (installing) {
        if (!install || install.jobId !== installing.jobId) {
          set({ install: { jobId: installing.jobId, mode: null, status: 'running', progress: installing.progress, lines: installing.progress?.current ? [installing.progress.current] : [], cancelling: false, error: null } });
        }
      } else if (knownInstall && install?.status === 'running' && install.jobId === knownInstall) {
        set({ install: null });
        void get().checkRuntime();
      }
    };

    return {
      runtime: null,
      runtimeChecking: false,
      runtimeError: null,
      install: null,
      projectDir: null,
      ...emptyProjectState(),
      form: DEFAULT_FORM,

      attach() {
        // Counted: the studio and the page may both attach; events are received once.
        attachCount++;
        if (attachCount === 1) {
          subscriptions = [
            api.training.onStatus((summary) => get().statusChanged(summary)),
            api.training.onEpoch((event) => get().epochArrived(event)),
            api.training.onProgress((progress) => get().progressed(progress)),
            api.jobs.onProgress((progress) => {
              if (progress.kind === 'runtime') get().installProgressed(progress);
            }),
            api.jobs.onFinished((result) => {
              if (result.kind === 'runtime') get().installFinished(result);
            }),
          ];
        }
        let done = false;
        return () => {
          if (done) return;
          done = true;
          attachCount--;
          if (attachCount === 0) for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
        };
      },

      async open(projectDir) {
        const tasks: Promise<unknown>[] = [];
        if (!get().runtime && !get().runtimeChecking) tasks.push(get().checkRuntime());
        if (projectDir !== get().projectDir) {
          generation++;
          detailRequests.clear();
          set({
            projectDir,
            ...emptyProjectState(),
            form: { ...get().form, runId: '' },
          });
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
          const { runs, focusRunId, overlayIds } = get();
          let focus = focusRunId && runs.some((r) => r.id === focusRunId) ? focusRunId : null;
          focus ??= runs.find((r) => isActive(r.status))?.id ?? runs[0]?.id ?? null;
          set({ focusRunId: focus, overlayIds: overlayIds.filter((id) => id !== focus && runs.some((r) => r.id === id)) });
          const reload = new Set<string>(focus ? [focus] : []);
          for (const id of get().overlayIds) if (!get().epochLogs[id] || isActive(runs.find((r) => r.id === id)!.status)) reload.add(id);
          await Promise.all([...reload].map((id) => get().loadDetail(id)));
        })();
        refreshing = { generation: gen, promise };
        void promise.finally(() => {
          if (refreshing?.promise === promise) refreshing = null;
        });
        return promise;
      },

      async checkRuntime() {
        set({ runtimeChecking: true, runtimeError: null });
        try {
          const runtime = await api.runtime.check({});
          set({ runtime, runtimeChecking: false });
          return runtime;
        } catch (err) {
          set({ runtimeError: toErrorPayload(err), runtimeChecking: false });
          return null;
        }
      },

      async configureRuntime(python) {
        const runtime = await api.runtime.configure({ python });
        set({ runtime, runtimeError: null });
        return runtime;
      },

      async installRuntime(mode) {
        const current = get().install;
        if (current && (current.status === 'starting' || current.status === 'running')) {
          throw new StudioError('conflict', 'The runtime is already being set up; wait for it or cancel it first.');
        }
        set({ install: { jobId: null, mode, status: 'starting', progress: null, lines: [], cancelling: false, error: null } });
        try {
          const { jobId } = await api.runtime.install({ mode });
          const install = get().install;
          if (install && install.jobId === null) {
            // Events that came before the answer were adopted as this job; a report may be in already.
            set({ install: { ...install, jobId, status: finishedJobs.has(jobId) ? install.status : 'running' } });
          } else if (!install || install.jobId !== jobId) {
            set({ install: { jobId, mode, status: finishedJobs.has(jobId) ? 'ok' : 'running', progress: null, lines: [], cancelling: false, error: null } });
          }
          return jobId;
        } catch (err) {
          updateInstall({ status: 'failed', error: toErrorPayload(err) });
          throw err;
        }
      },

      async cancelInstall() {
        const install = get().install;
        if (!install?.jobId || install.status !== 'running') return;
        updateInstall({ cancelling: true });
        try {
          await api.jobs.cancel({ jobId: install.jobId });
        } catch (err) {
          updateInstall({ cancelling: false });
          throw err;
        }
      },

      dismissInstall() {
        const install = get().install;
        if (install && (install.status === 'running' || install.status === 'starting')) return;
        set({ install: null });
      },

      async start(request) {
        const gen = generation;
        const summary = await api.training.start(request);
        if (gen !== generation) return summary;
        applySummary(summary, true);
        set({
          focusRunId: summary.id,
          overlayIds: get().overlayIds.filter((id) => id !== summary.id),
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
        set({ focusRunId: runId, overlayIds: get().overlayIds.filter((id) => id !== runId), detailErrors: without(get().detailErrors, runId) });
        return summary;
      },

      async focus(runId) {
        set({ focusRunId: runId, overlayIds: runId ? get().overlayIds.filter((id) => id !== runId) : get().overlayIds });
        if (!runId) return;
        const run = get().runs.find((r) => r.id === runId);
        const detail = get().details[runId];
        // Loaded once for a finished run; again for a live one, whose epochs may have moved on unseen.
        if (!detail || (run && (isActive(run.status) || detail.status !== run.status))) await get().loadDetail(runId);
      },

      async toggleOverlay(runId) {
        const { overlayIds, focusRunId } = get();
        if (overlayIds.includes(runId)) {
          set({ overlayIds: overlayIds.filter((id) => id !== runId) });
          return;
        }
        if (runId === focusRunId) return;
        set({ overlayIds: [...overlayIds, runId] });
        if (!get().details[runId]) await get().loadDetail(runId);
      },

      clearOverlay() {
        set({ overlayIds: [] });
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
          const patch: Partial<TrainingState> = {
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

      setForm(patch) {
        set({ form: { ...get().form, ...patch } });
      },

      resetForm() {
        set({ form: DEFAULT_FORM });
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
        const patch: Partial<TrainingState> = {
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

      installProgressed(progress) {
        if (finishedJobs.has(progress.jobId)) return;
        const install = get().install;
        let next: RuntimeInstall;
        if (install && (install.jobId === progress.jobId || (install.jobId === null && install.status === 'starting'))) {
          next = { ...install, jobId: progress.jobId, status: 'running', progress };
        } else {
          // Started elsewhere (another window, the CLI): show it all the same.
          next = { jobId: progress.jobId, mode: null, status: 'running', progress, lines: [], cancelling: false, error: null };
        }
        const line = progress.current;
        if (line && next.lines[next.lines.length - 1] !== line) {
          const lines = [...next.lines, line];
          next.lines = lines.length > MAX_INSTALL_LINES ? lines.slice(lines.length - MAX_INSTALL_LINES) : lines;
        }
        set({ install: next });
      },

      installFinished(result) {
        finishedJobs.add(result.jobId);
        const install = get().install;
        const mine = install && (install.jobId === result.jobId || (install.jobId === null && install.status === 'starting'));
        const base: RuntimeInstall = mine ? { ...install, jobId: result.jobId } : { jobId: result.jobId, mode: null, status: 'running', progress: null, lines: [], cancelling: false, error: null };
        if (result.status === 'failed') {
          set({ install: { ...base, status: 'failed', cancelling: false, error: result.error } });
          return;
        }
        const patch: Partial<TrainingState> = { install: { ...base, status: result.status, cancelling: false, error: null } };
        if (result.kind === 'runtime') {
          patch.runtime = result.report;
          patch.runtimeError = null;
        }
        set(patch);
      },
    };
  });
  return store;
}

/** Ultralytics' fitness for detection: mostly mAP50-95, a little mAP50. */
function fitness(metrics: Record<string, number | null>): number | null {
  const m = metricValue(metrics, 'mAP50-95');
  if (m === null) return null;
  return 0.9 * m + 0.1 * (metricValue(metrics, 'mAP50') ?? 0);
}

/** Whether an epoch beats the run's best so far (the studio's own word comes with the next status). */
function isBetterEpoch(epoch: EpochRecord, best: RunSummary['best']): boolean {
  const f = fitness(epoch.metrics);
  if (f === null) return false;
  if (!best) return true;
  const b = fitness(best.metrics);
  return b === null || f > b;
}

function summaryOf(detail: RunDetail): RunSummary {
  const { id, name, status, model, epochs, epochsDone, device, createdAt, startedAt, endedAt, best, error, resumable } = detail;
  return { id, name, status, model, epochs, epochsDone, device, createdAt, startedAt, endedAt, best, error, resumable };
}
