/**
 * The training store's runtime part: the Python runtime the studio trains with (checked,
 * configured) and its install, a job followed through `jobs.onProgress` / `jobs.onFinished` of
 * kind 'runtime'. It reads nothing of the runs or the view.
 */
import {
  StudioError,
  toErrorPayload,
  type ErrorPayload,
  type JobInfo,
  type JobProgress,
  type JobResult,
  type RuntimeStatus,
  type StudioApi,
} from '@shared';

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

export interface RuntimeSlice {
  runtime: RuntimeStatus | null;
  runtimeChecking: boolean;
  runtimeError: ErrorPayload | null;
  install: RuntimeInstall | null;

  checkRuntime(): Promise<RuntimeStatus | null>;
  configureRuntime(python: string | null): Promise<RuntimeStatus>;
  installRuntime(mode: InstallMode): Promise<string>;
  cancelInstall(): Promise<void>;
  dismissInstall(): void;

  // Event handlers: the store's `attach` wires them; tests and the studio may call them directly.
  installProgressed(progress: JobProgress): void;
  installFinished(result: JobResult): void;
}

/**
 * Squares the install in view with the jobs the studio is running (a list loaded with the runs):
 * `knownInstall` is the job that was running when that list was asked for.
 */
export type AdoptRuntimeJob = (jobs: JobInfo[], knownInstall: string | null) => void;

const MAX_INSTALL_LINES = 500;

const followed = (jobId: string, progress: JobProgress | null): RuntimeInstall => ({ jobId, mode: null, status: 'running', progress, lines: [], cancelling: false, error: null });

export function createRuntimeSlice(api: StudioApi, set: (patch: Partial<RuntimeSlice>) => void, get: () => RuntimeSlice): { slice: RuntimeSlice; adoptRuntimeJob: AdoptRuntimeJob } {
  /** Runtime jobs that finished, so a late progress event does not bring one back. */
  const finishedJobs = new Set<string>();

  const updateInstall = (patch: Partial<RuntimeInstall>) => {
    const install = get().install;
    if (install) set({ install: { ...install, ...patch } });
  };

  /**
   * One started elsewhere (or before the page) is shown; one that ended while its events could
   * not arrive (the socket was down) is let go, and the runtime checked again to learn how it ended.
   */
  const adoptRuntimeJob: AdoptRuntimeJob = (jobs, knownInstall) => {
    const installing = jobs.find((j) => j.kind === 'runtime' && !finishedJobs.has(j.jobId));
    const install = get().install;
    if (installing) {
      if (!install || install.jobId !== installing.jobId) {
        set({ install: { ...followed(installing.jobId, installing.progress), lines: installing.progress?.current ? [installing.progress.current] : [] } });
      }
    } else if (knownInstall && install?.status === 'running' && install.jobId === knownInstall) {
      set({ install: null });
      void get().checkRuntime();
    }
  };

  const slice: RuntimeSlice = {
    runtime: null,
    runtimeChecking: false,
    runtimeError: null,
    install: null,

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
          set({ install: { ...followed(jobId, null), mode, status: finishedJobs.has(jobId) ? 'ok' : 'running' } });
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

    installProgressed(progress) {
      if (finishedJobs.has(progress.jobId)) return;
      const install = get().install;
      let next: RuntimeInstall;
      if (install && (install.jobId === progress.jobId || (install.jobId === null && install.status === 'starting'))) {
        next = { ...install, jobId: progress.jobId, status: 'running', progress };
      } else {
        // Started elsewhere (another window, the CLI): show it all the same.
        next = followed(progress.jobId, progress);
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
      const base: RuntimeInstall = mine ? { ...install, jobId: result.jobId } : followed(result.jobId, null);
      if (result.status === 'failed') {
        set({ install: { ...base, status: 'failed', cancelling: false, error: result.error } });
        return;
      }
      const patch: Partial<RuntimeSlice> = { install: { ...base, status: result.status, cancelling: false, error: null } };
      if (result.kind === 'runtime') {
        patch.runtime = result.report;
        patch.runtimeError = null;
      }
      set(patch);
    },
  };
  return { slice, adoptRuntimeJob };
}
