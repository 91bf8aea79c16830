/**
 * The training store against a studio in memory (a test double of the StudioApi): epochs from
 * onEpoch, statuses from onStatus, the overlay's loads, the runtime install's progress, errors.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  StudioError,
  type EpochRecord,
  type JobInfo,
  type JobProgress,
  type JobResult,
  type RunDetail,
  type RunSummary,
  type RuntimeStatus,
  type StudioApi,
  type TrainingProgress,
} from '@shared';
import { createTrainingStore } from '../../../src-renderer/training/training-store.js';

function setup(runs: RunSummary[] = []) {
  const studio = fakeTrainingStudio();
  studio.state.runs = runs;
  const store = createTrainingStore(studio.api);
  const detach = store.getState().attach();
  return { studio, store, detach };
}

describe('training store: epochs', () => {
  it('appends epochs from onEpoch in order and draws nothing twice', async () => {
    const { studio, store } = setup();
    await store.getState().open('/p');
    const run = await store.getState().start({ model: { kind: 'architecture', family: 'yolo11', size: 'n' }, epochs: 10 });
    expect(store.getState().focusRunId).toBe(run.id);
    expect(store.getState().epochLogs[run.id]).toEqual([]);

    studio.emit.status({ ...run, status: 'running' });
    for (let n = 1; n <= 4; n++) studio.emit.epoch(run.id, epoch(n));
    expect(store.getState().epochLogs[run.id].map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    // The list shows the epochs done and the best so far without waiting for a status event.
    expect(store.getState().runs.find((r) => r.id === run.id)).toMatchObject({ epochsDone: 4, best: { epoch: 4 } });
    studio.emit.epoch(run.id, epoch(5, { metrics: { 'metrics/mAP50(B)': 0.01, 'metrics/mAP50-95(B)': 0.01 } }));
    expect(store.getState().runs.find((r) => r.id === run.id)).toMatchObject({ epochsDone: 5, best: { epoch: 4 } });
  });

  it('replaces a replayed epoch instead of adding it again, and drops what came after it', async () => {
    const { studio, store } = setup([runSummary('r1', { status: 'running', epochsDone: 0 })]);
    studio.state.details.set('r1', runDetail(studio.state.runs[0]));
    await store.getState().open('/p');
    studio.emit.epoch('r1', epoch(1));
    studio.emit.epoch('r1', epoch(2));
    studio.emit.epoch('r1', epoch(3, { partial: true, t: 2000 }));
    // Stopped during epoch 3, resumed from the checkpoint after epoch 2: epoch 3 again.
    studio.emit.epoch('r1', epoch(3, { t: 3000 }));
    let log = store.getState().epochLogs.r1;
    expect(log.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(log[2]).toMatchObject({ partial: false, t: 3000 });

    // A resume from an earlier checkpoint: epochs after it belonged to the first attempt.
    studio.emit.epoch('r1', epoch(2, { t: 4000 }));
    log = store.getState().epochLogs.r1;
    expect(log.map((e) => [e.epoch, e.t])).toEqual([
      [1, 1001],
      [2, 4000],
    ]);
  });

  it('merges the stored log with epochs that arrived while it loaded', async () => {
    const running = runSummary('r1', { status: 'running', epochsDone: 2 });
    const { studio, store } = setup([running]);
    studio.state.details.set('r1', runDetail(running, { epochLog: [epoch(1), epoch(2)] }));
    studio.holdGets(true);
    const opened = store.getState().open('/p');
    await settle();
    studio.emit.epoch('r1', epoch(3));
    studio.releaseGets();
    await opened;
    expect(store.getState().epochLogs.r1.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('keeps batch progress per run and clears it when the epoch ends', async () => {
    const { studio, store } = setup([runSummary('r1', { status: 'running', epochsDone: 0 })]);
    studio.state.details.set('r1', runDetail(studio.state.runs[0]));
    await store.getState().open('/p');
    studio.emit.progress({ runId: 'r1', epoch: 1, epochs: 10, batch: 5, batches: 20, losses: {} });
    expect(store.getState().progress.r1).toMatchObject({ batch: 5, batches: 20 });
    studio.emit.epoch('r1', epoch(1));
    expect(store.getState().progress.r1).toBeUndefined();
  });
});

describe('training store: status', () => {
  it('follows a run from queued to running to completed, and loads its results when it ends', async () => {
    const { studio, store } = setup();
    await store.getState().open('/p');
    const run = await store.getState().start({ model: { kind: 'architecture', family: 'yolo11', size: 'n' } });
    expect(store.getState().runs.map((r) => [r.id, r.status])).toEqual([[run.id, 'queued']]);

    studio.emit.status({ ...run, status: 'running', startedAt: '2025-02-01T00:00:01.000Z' });
    expect(store.getState().runs[0].status).toBe('running');
    expect(studio.api.training.get).not.toHaveBeenCalled();

    const done = { ...run, status: 'completed' as const, epochsDone: 10, best: { epoch: 9, metrics: { 'metrics/mAP50-95(B)': 0.61 } } };
    studio.state.details.set(run.id, runDetail(done, { results: { metrics: { 'metrics/mAP50-95(B)': 0.61 }, perClass: [], confusion: null, stoppedEarly: false, stoppedByUser: false } }));
    studio.emit.status(done);
    await settle();
    expect(store.getState().runs[0].status).toBe('completed');
    expect(store.getState().details[run.id].results?.metrics['metrics/mAP50-95(B)']).toBe(0.61);
  });

  it('shows stopping until the stopped status comes, and an answer never moves a run back', async () => {
    const running = runSummary('r1', { status: 'running', epochsDone: 3, resumable: false });
    const { studio, store } = setup([running]);
    studio.state.details.set('r1', runDetail(running));
    await store.getState().open('/p');

    const stopping = store.getState().stop('r1');
    expect(store.getState().stopping.r1).toBe(true);
    await stopping;
    // The studio answered "still running": the stop is under way.
    expect(store.getState().stopping.r1).toBe(true);
    expect(studio.api.training.stop).toHaveBeenCalledWith({ runId: 'r1' });

    studio.emit.status({ ...running, status: 'stopped', resumable: true });
    expect(store.getState().runs[0]).toMatchObject({ status: 'stopped', resumable: true });
    expect(store.getState().stopping.r1).toBeUndefined();

    // A late answer saying "running" must not undo the stop.
    (studio.api.training.stop as unknown as { mockResolvedValueOnce: (v: unknown) => void }).mockResolvedValueOnce({ ...running, status: 'running' });
    await store.getState().stop('r1');
    expect(store.getState().runs[0].status).toBe('stopped');
  });

  it('resumes a stopped run and keeps its epochs', async () => {
    const stopped = runSummary('r1', { status: 'stopped', epochsDone: 2, resumable: true });
    const { studio, store } = setup([stopped]);
    studio.state.details.set('r1', runDetail(stopped, { epochLog: [epoch(1), epoch(2)] }));
    await store.getState().open('/p');
    await store.getState().resume('r1');
    expect(studio.api.training.resume).toHaveBeenCalledWith({ runId: 'r1' });
    expect(store.getState().runs[0].status).toBe('queued');
    studio.emit.status({ ...stopped, status: 'running' });
    studio.emit.epoch('r1', epoch(3));
    expect(store.getState().epochLogs.r1.map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('a failed stop clears the stopping flag and the error reaches the caller', async () => {
    const running = runSummary('r1', { status: 'running' });
    const { studio, store } = setup([running]);
    studio.state.details.set('r1', runDetail(running));
    await store.getState().open('/p');
    (studio.api.training.stop as unknown as { mockRejectedValueOnce: (v: unknown) => void }).mockRejectedValueOnce(new StudioError('conflict', 'The run is not running.'));
    await expect(store.getState().stop('r1')).rejects.toThrow('The run is not running.');
    expect(store.getState().stopping.r1).toBeUndefined();
  });

  it('adds runs started elsewhere and views the first one when nothing is in view', async () => {
    const { studio, store } = setup();
    await store.getState().open('/p');
    expect(store.getState().focusRunId).toBeNull();
    studio.emit.status(runSummary('cli-run', { status: 'running' }));
    expect(store.getState().runs.map((r) => r.id)).toEqual(['cli-run']);
    expect(store.getState().focusRunId).toBe('cli-run');
  });
});

describe('training store: history and overlay', () => {
  const a = runSummary('a', { createdAt: '2025-01-01T00:00:00.000Z' });
  const b = runSummary('b', { createdAt: '2025-01-02T00:00:00.000Z' });
  const c = runSummary('c', { createdAt: '2025-01-03T00:00:00.000Z' });

  it('lists runs newest first and views the newest', async () => {
    const { studio, store } = setup([a, b, c]);
    for (const r of [a, b, c]) studio.state.details.set(r.id, runDetail(r, { epochLog: [epoch(1)] }));
    await store.getState().open('/p');
    expect(store.getState().runs.map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect(store.getState().focusRunId).toBe('c');
    expect(studio.api.training.get).toHaveBeenCalledWith({ runId: 'c' });
  });

  it('loads the epoch log of each run picked for the overlay, once', async () => {
    const { studio, store } = setup([a, b, c]);
    studio.state.details.set('a', runDetail(a, { epochLog: [epoch(1), epoch(2)] }));
    studio.state.details.set('b', runDetail(b, { epochLog: [epoch(1), epoch(2), epoch(3)] }));
    studio.state.details.set('c', runDetail(c, { epochLog: [epoch(1)] }));
    await store.getState().open('/p');

    await store.getState().toggleOverlay('a');
    await store.getState().toggleOverlay('b');
    expect(store.getState().overlayIds).toEqual(['a', 'b']);
    expect(store.getState().epochLogs.a).toHaveLength(2);
    expect(store.getState().epochLogs.b).toHaveLength(3);

    await store.getState().toggleOverlay('a');
    expect(store.getState().overlayIds).toEqual(['b']);
    await store.getState().toggleOverlay('a');
    const gets = (studio.api.training.get as unknown as { mock: { calls: [{ runId: string }][] } }).mock.calls.map((call) => call[0].runId);
    expect(gets.filter((id) => id === 'a')).toHaveLength(1);

    // Viewing an overlaid run takes it off the overlay: it is drawn once.
    await store.getState().focus('b');
    expect(store.getState().focusRunId).toBe('b');
    expect(store.getState().overlayIds).toEqual(['a']);
  });

  it('shows a run that cannot be loaded as an error on that run', async () => {
    const { studio, store } = setup([a]);
    await store.getState().open('/p');
    expect(store.getState().detailErrors.a).toMatchObject({ code: 'not_found' });
    studio.state.details.set('a', runDetail(a, { epochLog: [epoch(1)] }));
    await store.getState().loadDetail('a');
    expect(store.getState().detailErrors.a).toBeUndefined();
    expect(store.getState().epochLogs.a).toHaveLength(1);
  });

  it('a list that fails to load is an error the page shows', async () => {
    const { studio, store } = setup();
    (studio.api.training.list as unknown as { mockRejectedValueOnce: (v: unknown) => void }).mockRejectedValueOnce(new StudioError('io', 'Lost the connection.'));
    await store.getState().open('/p');
    expect(store.getState().error).toMatchObject({ code: 'io', message: 'Lost the connection.' });
    await store.getState().refresh();
    expect(store.getState().error).toBeNull();
  });

  it('forgets the runs of the previous project when another opens', async () => {
    const { studio, store } = setup([a]);
    studio.state.details.set('a', runDetail(a, { epochLog: [epoch(1)] }));
    await store.getState().open('/p');
    expect(store.getState().runs).toHaveLength(1);
    studio.state.runs = [];
    await store.getState().open('/other');
    expect(store.getState().runs).toEqual([]);
    expect(store.getState().epochLogs).toEqual({});
    expect(store.getState().focusRunId).toBeNull();
  });

  it('an exported model joins the run’s files', async () => {
    const { studio, store } = setup([a]);
    studio.state.details.set('a', runDetail(a));
    await store.getState().open('/p');
    const artifact = await store.getState().exportModel('a', 'onnx');
    expect(artifact.path).toBe('/p/runs/a/weights/best.onnx');
    expect(studio.api.training.exportModel).toHaveBeenCalledWith({ runId: 'a', format: 'onnx', weights: 'best' });
    expect(store.getState().details.a.artifacts).toEqual([artifact]);
  });
});

describe('training store: runtime', () => {
  it('checks the runtime when the page opens, once', async () => {
    const { studio, store } = setup();
    studio.state.runtime = READY_RUNTIME;
    await store.getState().open('/p');
    await store.getState().open('/p');
    expect(studio.api.runtime.check).toHaveBeenCalledTimes(1);
    expect(store.getState().runtime?.ready).toBe(true);
  });

  it('a failed check is shown, not thrown', async () => {
    const { studio, store } = setup();
    (studio.api.runtime.check as unknown as { mockRejectedValueOnce: (v: unknown) => void }).mockRejectedValueOnce(new StudioError('internal', 'python crashed'));
    await store.getState().checkRuntime();
    expect(store.getState().runtimeError).toMatchObject({ message: 'python crashed' });
    expect(store.getState().runtimeChecking).toBe(false);
  });

  it('shows the install’s output live and takes the runtime from its report', async () => {
    const { studio, store } = setup();
    await store.getState().open('/p');
    expect(store.getState().runtime?.ready).toBe(false);

    const started = store.getState().installRuntime('install');
    expect(store.getState().install).toMatchObject({ status: 'starting', jobId: null });
    // Progress can come before the answer to the install call.
    studio.emit.jobProgress({ jobId: 'runtime-1', kind: 'runtime', phase: 'working', done: 1, total: 4, current: 'Creating the virtual environment' });
    expect(await started).toBe('runtime-1');
    studio.emit.jobProgress({ jobId: 'runtime-1', kind: 'runtime', phase: 'working', done: 2, total: 4, current: 'Installing torch 2.5.1 (cpu)' });
    studio.emit.jobProgress({ jobId: 'runtime-1', kind: 'runtime', phase: 'working', done: 2, total: 4, current: 'Installing torch 2.5.1 (cpu)' });
    // Other kinds of job are not the runtime's.
    studio.emit.jobProgress({ jobId: 'import-1', kind: 'import', phase: 'working', done: 1, total: 9, current: 'a.jpg' });
    let install = store.getState().install!;
    expect(install).toMatchObject({ jobId: 'runtime-1', status: 'running', progress: { done: 2, total: 4 } });
    expect(install.lines).toEqual(['Creating the virtual environment', 'Installing torch 2.5.1 (cpu)']);

    studio.emit.jobFinished({ jobId: 'runtime-1', kind: 'runtime', status: 'ok', report: READY_RUNTIME });
    install = store.getState().install!;
    expect(install.status).toBe('ok');
    expect(store.getState().runtime).toEqual(READY_RUNTIME);
    // A straggling progress event does not bring the finished job back.
    studio.emit.jobProgress({ jobId: 'runtime-1', kind: 'runtime', phase: 'finishing', done: 4, total: 4, current: 'done' });
    expect(store.getState().install!.status).toBe('ok');
  });

  it('cancels an install, and a failed install keeps its error', async () => {
    const { studio, store } = setup();
    await store.getState().installRuntime('recreate');
    expect(studio.api.runtime.install).toHaveBeenCalledWith({ mode: 'recreate' });
    await store.getState().cancelInstall();
    expect(studio.api.jobs.cancel).toHaveBeenCalledWith({ jobId: 'runtime-1' });
    expect(store.getState().install!.cancelling).toBe(true);
    studio.emit.jobFinished({ jobId: 'runtime-1', kind: 'runtime', status: 'failed', error: { code: 'io', message: 'pip could not reach the index' } });
    expect(store.getState().install).toMatchObject({ status: 'failed', cancelling: false, error: { message: 'pip could not reach the index' } });
    store.getState().dismissInstall();
    expect(store.getState().install).toBeNull();
  });

  it('an install the studio refuses is an error on the install', async () => {
    const { studio, store } = setup();
    (studio.api.runtime.install as unknown as { mockRejectedValueOnce: (v: unknown) => void }).mockRejectedValueOnce(new StudioError('conflict', 'A run is training; stop it first.'));
    await expect(store.getState().installRuntime('reinstall')).rejects.toThrow('A run is training');
    expect(store.getState().install).toMatchObject({ status: 'failed', error: { code: 'conflict' } });
  });

  it('uses an existing Python, and says why not when it cannot', async () => {
    const { store } = setup();
    await expect(store.getState().configureRuntime('/bad/python')).rejects.toThrow('cannot import ultralytics');
    const status = await store.getState().configureRuntime('/opt/venv/bin/python');
    expect(status.ready).toBe(true);
    expect(store.getState().runtime).toMatchObject({ source: 'setting', python: '/opt/venv/bin/python' });
  });

  it('shows an install already running when the page opens', async () => {
    const { studio, store } = setup();
    studio.state.jobs = [{ jobId: 'runtime-7', kind: 'runtime', startedAt: '', progress: { jobId: 'runtime-7', kind: 'runtime', phase: 'working', done: 1, total: 3, current: 'Downloading torch' } }];
    await store.getState().open('/p');
    expect(store.getState().install).toMatchObject({ jobId: 'runtime-7', status: 'running', lines: ['Downloading torch'] });
  });
  it('lets go of an install that ended while its events could not arrive, and checks again', async () => {
    const { studio, store } = setup();
    await store.getState().open('/p');
    await store.getState().installRuntime('install');
    expect(store.getState().install?.status).toBe('running');
    // The socket was down when it finished: no jobs.onFinished came. A reconnect refreshes.
    studio.state.runtime = READY_RUNTIME;
    studio.state.jobs = [];
    await store.getState().refresh();
    await settle();
    expect(store.getState().install).toBeNull();
    expect(store.getState().runtime?.ready).toBe(true);
  });

  it('loads once when asked twice at the same time', async () => {
    const { studio, store } = setup([runSummary('a')]);
    studio.state.details.set('a', runDetail(runSummary('a')));
    await Promise.all([store.getState().open('/p'), store.getState().refresh(), store.getState().open('/p')]);
    expect(studio.api.training.list).toHaveBeenCalledTimes(1);
  });
});

describe('training store: subscriptions', () => {
  it('receives each event once however many attach, and none after the last detaches', async () => {
    const studio = fakeTrainingStudio();
    const store = createTrainingStore(studio.api);
    const first = store.getState().attach();
    const second = store.getState().attach();
    expect(studio.listeners.epoch.size).toBe(1);
    second();
    second();
    expect(studio.listeners.epoch.size).toBe(1);
    first();
    expect(studio.listeners.epoch.size).toBe(0);
    expect(studio.listeners.status.size).toBe(0);
    expect(studio.listeners.jobProgress.size).toBe(0);
  });
});

// ---- The test double ----

function runSummary(id: string, patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    status: 'completed',
    model: 'yolo11n.yaml',
    epochs: 10,
    epochsDone: 10,
    device: 'cpu',
    createdAt: `2025-01-0${id.length % 9}T00:00:00.000Z`,
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: null,
    best: null,
    error: null,
    resumable: false,
    ...patch,
  };
}

function epoch(n: number, patch: Partial<EpochRecord> = {}): EpochRecord {
  return {
    epoch: n,
    epochs: 10,
    losses: { 'train/box_loss': 2 / n, 'train/cls_loss': 3 / n, 'train/dfl_loss': 1.5 / n },
    metrics: { 'metrics/precision(B)': 0.1 * n, 'metrics/recall(B)': 0.05 * n, 'metrics/mAP50(B)': 0.06 * n, 'metrics/mAP50-95(B)': 0.04 * n, 'val/box_loss': 2.2 / n, 'val/cls_loss': 3.1 / n, 'val/dfl_loss': 1.6 / n },
    lr: { 'lr/pg0': 0.01, 'lr/pg1': 0.01, 'lr/pg2': 0.01 },
    epochSeconds: 10,
    elapsedSeconds: 10 * n,
    etaSeconds: 10 * (10 - n),
    t: 1000 + n,
    partial: false,
    ...patch,
  };
}

function runDetail(summary: RunSummary, patch: Partial<RunDetail> = {}): RunDetail {
  return {
    ...summary,
    spec: { model: { kind: 'architecture', family: 'yolo11', size: 'n' }, epochs: 10, imgsz: 640, batch: 'auto', optimizer: 'auto', patience: 100, augmentation: 'default', device: 'auto', seed: 0, advanced: {} },
    epochLog: [],
    logTail: [],
    artifacts: [],
    results: null,
    dataset: null,
    ...patch,
  };
}

const READY_RUNTIME: RuntimeStatus = {
  ready: true,
  python: '/home/me/.reticle/runtime/bin/python',
  source: 'managed',
  env: {
    v: 1,
    type: 'env',
    runtime: '0.1.0',
    python: '3.12.3',
    platform: 'linux',
    torch: '2.5.1',
    ultralytics: '8.3.40',
    cuda: { available: false, version: null, devices: [] },
    mps: null,
    cpu: { works: true, error: null },
    problems: [],
  },
  problems: [],
  bestDevice: 'cpu',
};

const MISSING_RUNTIME: RuntimeStatus = {
  ready: false,
  python: null,
  source: 'none',
  env: null,
  problems: [{ message: 'No Python runtime is set up.', action: 'Press Set up the runtime.' }],
  bestDevice: null,
};

type Listener<T> = (payload: T) => void;

function fakeTrainingStudio() {
  const listeners = {
    status: new Set<Listener<RunSummary>>(),
    epoch: new Set<Listener<{ runId: string; epoch: EpochRecord }>>(),
    progress: new Set<Listener<TrainingProgress>>(),
    jobProgress: new Set<Listener<JobProgress>>(),
    jobFinished: new Set<Listener<JobResult>>(),
  };
  const on =
    <T>(set: Set<Listener<T>>) =>
    (listener: Listener<T>) => {
      set.add(listener);
      return () => void set.delete(listener);
    };
  const state = {
    runs: [] as RunSummary[],
    details: new Map<string, RunDetail>(),
    runtime: MISSING_RUNTIME as RuntimeStatus,
    jobs: [] as JobInfo[],
    nextRun: 1,
  };
  /** Holds the next answers of `training.get` until released. */
  const held: (() => void)[] = [];
  let holdGets = false;

  const get = vi.fn(async ({ runId }: { runId: string }) => {
    if (holdGets) await new Promise<void>((r) => held.push(r));
    const detail = state.details.get(runId);
    if (!detail) throw new StudioError('not_found', `There is no run ${runId}.`);
    return structuredClone(detail);
  });

  const api = {
    runtime: {
      check: vi.fn(async () => state.runtime),
      configure: vi.fn(async ({ python }: { python: string | null }) => {
        if (python === '/bad/python') throw new StudioError('invalid_input', 'That Python cannot import ultralytics.');
        state.runtime = { ...READY_RUNTIME, source: 'setting', python };
        return state.runtime;
      }),
      install: vi.fn(async () => ({ jobId: 'runtime-1' })),
    },
    training: {
      start: vi.fn(async () => {
        const run = runSummary(`run-${state.nextRun++}`, { status: 'queued', epochsDone: 0, startedAt: null, createdAt: '2025-02-01T00:00:00.000Z' });
        state.runs.push(run);
        return run;
      }),
      stop: vi.fn(async ({ runId }: { runId: string }) => ({ ...state.runs.find((r) => r.id === runId)!, status: 'running' as const })),
      resume: vi.fn(async ({ runId }: { runId: string }) => ({ ...state.runs.find((r) => r.id === runId)!, status: 'queued' as const })),
      list: vi.fn(async () => structuredClone(state.runs)),
      get,
      exportModel: vi.fn(async ({ runId, format }: { runId: string; format: string }) => ({ kind: format, path: `/p/runs/${runId}/weights/best.${format}`, bytes: 12_345 })),
      onStatus: on(listeners.status),
      onEpoch: on(listeners.epoch),
      onProgress: on(listeners.progress),
    },
    jobs: {
      list: vi.fn(async () => state.jobs),
      cancel: vi.fn(async () => ({ cancelled: true })),
      onProgress: on(listeners.jobProgress),
      onFinished: on(listeners.jobFinished),
    },
  } as unknown as StudioApi;

  return {
    api,
    state,
    listeners,
    emit: {
      status: (s: RunSummary) => listeners.status.forEach((l) => l(s)),
      epoch: (runId: string, e: EpochRecord) => listeners.epoch.forEach((l) => l({ runId, epoch: e })),
      progress: (p: TrainingProgress) => listeners.progress.forEach((l) => l(p)),
      jobProgress: (p: JobProgress) => listeners.jobProgress.forEach((l) => l(p)),
      jobFinished: (r: JobResult) => listeners.jobFinished.forEach((l) => l(r)),
    },
    holdGets(on: boolean) {
      holdGets = on;
    },
    releaseGets() {
      for (const r of held.splice(0)) r();
    },
  };
}

const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
};
