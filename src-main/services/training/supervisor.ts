/**
 * Runs a project's training runs, one at a time, each as a `python -m reticle_runtime train`
 * process, and keeps the project database and the UI in step with it.
 *
 * A run goes queued → running → completed | stopped | failed | interrupted:
 *
 * - `start` checks the request, freezes the dataset into `runs/<id>/dataset/`, writes the
 *   runtime's `spec.json` and queues the run; the next run starts when the current one ends.
 * - Every protocol line is handled as it arrives: an epoch is pushed to the UI at once (no
 *   batching: the UI must show it within 200 ms of Ultralytics' callback), then stored.
 * - A line that is not a protocol message goes to the run's log and is otherwise ignored.
 * - A process that ends without `finished` or `error` (killed, out of memory, segfault) makes a
 *   failed run, with how it ended and its last log lines, as soon as it is gone.
 * - `stop` creates the stop file and sends SIGINT (the runtime finishes the epoch early,
 *   validates and saves); after a grace period it kills the process.
 * - A run a studio left queued or running (it crashed, the machine rebooted) is interrupted when
 *   the project is opened again, unless another live studio process is supervising it.
 * - Closing the project stops the running process politely, waits briefly, then kills it: no
 *   trainer outlives the studio that started it.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  RuntimeTrainSpecSchema,
  StudioError,
  isDiskFullError,
  parseRuntimeLine,
  type EpochRecord,
  type ModelExportFormat,
  type RunArtifact,
  type RunDetail,
  type RunSummary,
  type RuntimeError,
  type RuntimeFinished,
  type RuntimeMessage,
  type RuntimeTrainSpec,
  type TrainingProgress,
  type TrainingSpec,
} from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import type { RuntimeService } from '../runtime/runtime-service.js';
import { ACTIONS } from '../runtime/runtime-status.js';
import { LineSplitter, LogTail, describeExit, runRuntimeCommand, spawnRuntime } from '../runtime/runtime-process.js';
import { RunRepository, type RunError, type RunPatch, type RunRecord } from './run-repository.js';
import { snapshotDataset } from './snapshot.js';
import { deviceAndBatch, hyperparameters, modelStart } from './run-spec.js';
import { STUDIO_CODE, epochRecord, runResults } from './runtime-messages.js';
import { writeTransaction } from '../store/database.js';

export interface TrainingEvents {
  status(run: RunSummary): void;
  epoch(event: { runId: string; epoch: EpochRecord }): void;
  progress(progress: TrainingProgress): void;
}

export interface TrainingSupervisorOptions {
  store: ProjectStore;
  media: MediaStore;
  runtime: RuntimeService;
  events: TrainingEvents;
  /** How long a stopped run may take to end cleanly before it is killed. */
  stopGraceMs?: number;
  /** The same when the project closes or the studio quits (the desktop app waits 10 s at most). */
  shutdownGraceMs?: number;
  /** At most one `onProgress` per run this often. */
  progressIntervalMs?: number;
}

/** The files of a run, under `<project>/runs/<id>/`. */
export interface RunPaths {
  dir: string;
  dataset: string;
  /** The runtime's spec (`train --spec`). */
  spec: string;
  stop: string;
  /** Everything the runtime wrote to stderr. */
  log: string;
  /** Ultralytics' run folder: weights/, results.csv. */
  train: string;
  last: string;
  best: string;
  results: string;
}

export function runPaths(runsDir: string, id: string): RunPaths {
  const dir = path.join(runsDir, id);
  const train = path.join(dir, 'train');
  return {
    dir,
    dataset: path.join(dir, 'dataset'),
    spec: path.join(dir, 'spec.json'),
    stop: path.join(dir, 'stop'),
    log: path.join(dir, 'train.log'),
    train,
    last: path.join(train, 'weights', 'last.pt'),
    best: path.join(train, 'weights', 'best.pt'),
    results: path.join(train, 'results.csv'),
  };
}

/** Runs supervised by some supervisor in this process, so a second one leaves them alone. */
const SUPERVISED = new Set<string>();

interface Unrecorded {
  /** Epochs the trainer reported that could not be stored. */
  epochs: EpochRecord[];
  /** The run's fields as they should be stored (its progress, and how it ended). */
  patch: RunPatch;
}

interface ActiveRun {
  id: string;
  paths: RunPaths;
  child: ChildProcess;
  log: LogTail;
  logFile: fs.WriteStream;
  /** Why the studio asked it to stop: the user, the project closing, or a disk too full to record the run. */
  stopReason: 'user' | 'shutdown' | 'disk_full' | null;
  /** Set when the studio could not record the run's progress (the disk is full): the run fails with it. */
  recordFailure: RunError | null;
  /** Killed after the grace period rather than ending by itself. */
  forced: boolean;
  finished: RuntimeFinished | null;
  error: RuntimeError | null;
  spawnError: NodeJS.ErrnoException | null;
  killTimer: NodeJS.Timeout | null;
  logTimer: NodeJS.Timeout | null;
  progressTimer: NodeJS.Timeout | null;
  lastProgressAt: number;
  pendingProgress: TrainingProgress | null;
  /** Settles once the run's end is recorded. */
  ended: Promise<void>;
}

const LOG_SAVE_MS = 2000;
/** After the process exits, how long its pipes may stay open (a forked worker holding them). */
const PIPE_CLOSE_GRACE_MS = 1000;
const EXPORT_TIMEOUT_MS = 30 * 60_000;

const DISK_FULL_HINT = 'Free some disk space, then resume the run: it continues from its last saved epoch.';

/** Written to a temporary file and renamed: a full disk leaves the old file whole, never a truncated one. */
function writeFileAtomicSync(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function pidAlive(pid: number | null): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fileBytes(p: string): number | null {
  try {
    return fs.statSync(p).size;
  } catch {
    return null;
  }
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export class TrainingSupervisor {
  private readonly runs: RunRepository;
  private readonly queue: string[] = [];
  private active: ActiveRun | null = null;
  /** What the database could not take of a run (the disk was full): written, in order, as soon as it can. */
  private readonly unrecorded = new Map<string, Unrecorded>();
  private disposed = false;
  private readonly stopGraceMs: number;
  private readonly shutdownGraceMs: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: TrainingSupervisorOptions) {
    this.runs = new RunRepository(options.store.db, options.store.paths.root);
    this.stopGraceMs = options.stopGraceMs ?? 30_000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 6000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.recover();
  }

  private get runsDir(): string {
    return this.options.store.paths.runs;
  }

  private key(id: string): string {
    return `${this.runsDir}\0${id}`;
  }

  /**
   * Queues a new run. The dataset snapshot is made now, so later labeling does not change what
   * it trains on.
   *
   * @throws StudioError `invalid_input` for advanced settings Ultralytics does not take or a
   *   project with nothing labeled; `not_found` for missing weights; `unsupported` when no
   *   runtime is set up
   */
  async start(spec: TrainingSpec): Promise<RunSummary> {
    this.assertOpen();
    this.recordUnrecorded();
    const store = this.options.store;
    const task = store.info().task;
    const hyper = hyperparameters(spec);
    const start = modelStart(spec, task, (runId) => {
      if (!this.runs.exists(runId)) return null;
      return { path: runPaths(this.runsDir, runId).best, name: this.runs.get(runId).name };
    });
    const located = this.options.runtime.locate();
    if (!located.python) throw new StudioError('unsupported', `No training runtime is set up yet. ${ACTIONS.install}`);
    let bestDevice: string | null = null;
    if (spec.device === 'auto') {
      const status = await this.options.runtime.status();
      if (!status.ready) {
        const problem = status.problems[0];
        throw new StudioError('unsupported', `The training runtime is not ready: ${problem ? `${problem.message} ${problem.action}` : 'it did not pass its check.'}`);
      }
      bestDevice = status.bestDevice;
    }
    const { device, batch } = deviceAndBatch(spec, bestDevice);

    const now = new Date();
    const id = newRunId(now);
    const paths = runPaths(this.runsDir, id);
    await fsp.mkdir(paths.dir, { recursive: true });
    try {
      const snapshot = await snapshotDataset(store, this.options.media, paths.dataset, { split: spec.split, seed: spec.seed });
      const runtimeSpec: RuntimeTrainSpec = {
        data: snapshot.data,
        model: start.model,
        epochs: spec.epochs,
        imgsz: spec.imgsz,
        batch,
        device,
        project: paths.dir,
        name: 'train',
        hyperparameters: hyper,
        resume: false,
        stop_file: paths.stop,
      };
      await this.writeSpec(paths, runtimeSpec);
      this.assertOpen();
      const name = spec.name || `Run ${this.runs.list().length + 1}`;
      this.runs.insert({
        id,
        name,
        status: 'queued',
        spec,
        model: start.label,
        epochs: spec.epochs,
        device,
        createdAt: now.toISOString(),
        resumable: false,
        dataset: { dir: snapshot.dir, images: snapshot.images, perSplit: snapshot.perSplit, classes: snapshot.classes },
        ownerPid: process.pid,
      });
    } catch (err) {
      await fsp.rm(paths.dir, { recursive: true, force: true });
      throw err;
    }
    SUPERVISED.add(this.key(id));
    this.queue.push(id);
    this.emitStatus(id);
    this.launchNext();
    return this.summary(id);
  }

  /**
   * Ends a run cleanly: a queued one leaves the queue; a running one finishes its epoch early,
   * is validated and saved (killed if it takes longer than the grace period). Answers at once,
   * with the run as it is; `onStatus` tells when it has ended. A run that has ended is left as it is.
   */
  stop(runId: string): RunSummary {
    const record = this.runs.get(runId);
    const queued = this.queue.indexOf(runId);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      SUPERVISED.delete(this.key(runId));
      this.runs.update(runId, { status: 'stopped', endedAt: new Date().toISOString(), resumable: true, ownerPid: null });
      this.emitStatus(runId);
    } else if (this.active?.id === runId) {
      if (!this.active.stopReason) this.requestStop(this.active, 'user', this.stopGraceMs);
    } else if (record.status === 'running' || record.status === 'queued') {
      throw new StudioError('conflict', `Run "${record.name}" is supervised by another Reticle Studio process: stop it there.`);
    }
    return this.summary(runId);
  }

  /**
   * Queues a stopped, interrupted or crashed run again. With a checkpoint it continues from the
   * epoch after it (epochs it reports again replace the stored ones); a run that never saved
   * one starts over on the same snapshot.
   */
  resume(runId: string): RunSummary {
    this.assertOpen();
    this.recordUnrecorded();
    if (this.unrecorded.has(runId)) {
      throw new StudioError('disk_full', `The disk is still full: what run "${this.runs.get(runId).name}" did cannot be recorded yet. Free some disk space, then resume it.`);
    }
    const record = this.runs.get(runId);
    if (record.status === 'queued' || record.status === 'running') throw new StudioError('conflict', `Run "${record.name}" is already ${record.status}.`);
    if (record.status === 'completed') {
      throw new StudioError('invalid_input', `Run "${record.name}" completed: there is nothing to resume. Start a new run from its best.pt to train it further.`);
    }
    if (!record.resumable) {
      throw new StudioError('invalid_input', `Run "${record.name}" cannot be resumed: it saved no checkpoint to continue from. Start a new run instead.`);
    }
    if (!record.dataset || !fs.existsSync(runPaths(this.runsDir, runId).spec)) {
      throw new StudioError('not_found', `Run "${record.name}" lost its files (runs/${runId}); it cannot be resumed.`);
    }
    this.runs.update(runId, { status: 'queued', endedAt: null, error: null, resumable: false, ownerPid: process.pid });
    SUPERVISED.add(this.key(runId));
    this.queue.push(runId);
    this.emitStatus(runId);
    this.launchNext();
    return this.summary(runId);
  }

  list(): RunSummary[] {
    this.recordUnrecorded();
    return this.runs.list().map((r) => this.toSummary(r));
  }

  get(runId: string): RunDetail {
    const detail = this.runs.detail(runId);
    if (this.active?.id === runId) detail.logTail = this.active.log.get();
    const pending = this.unrecorded.get(runId);
    if (pending) {
      const { status, endedAt, resumable, error, epochsDone, best } = pending.patch;
      Object.assign(detail, Object.fromEntries(Object.entries({ status, endedAt, resumable, error, epochsDone, best }).filter(([, v]) => v !== undefined)));
      detail.epochLog = [...detail.epochLog.filter((e) => !pending.epochs.some((p) => p.epoch === e.epoch)), ...pending.epochs].sort((a, b) => a.epoch - b.epoch);
    }
    return detail;
  }

  summary(runId: string): RunSummary {
    return this.toSummary(this.runs.get(runId));
  }

  /**
   * Exports a run's weights with `reticle_runtime export`; the file lands beside the weights
   * and is recorded as an artifact of the run.
   *
   * @throws StudioError `not_found` when the run has no such weights; the runtime's failure otherwise
   */
  async exportModel(request: { runId: string; format: ModelExportFormat; weights: 'best' | 'last' }): Promise<RunArtifact> {
    const record = this.runs.get(request.runId);
    const paths = runPaths(this.runsDir, request.runId);
    const weights = request.weights === 'best' ? paths.best : paths.last;
    if (!fs.existsSync(weights)) {
      throw new StudioError('not_found', `Run "${record.name}" has no ${request.weights}.pt yet: it did not finish an epoch.`);
    }
    const located = this.options.runtime.locate();
    if (!located.python) throw new StudioError('unsupported', `No training runtime is set up yet. ${ACTIONS.install}`);
    const result = await runRuntimeCommand({
      python: located.python,
      runtimeDir: this.options.runtime.runtimeDir,
      args: ['export', '--weights', weights, '--format', request.format],
      env: this.options.runtime.baseEnv,
      cwd: paths.dir,
      timeoutMs: EXPORT_TIMEOUT_MS,
    });
    const exported = result.messages.find((m) => m.type === 'exported');
    if (exported && exported.type === 'exported') {
      const artifact: RunArtifact = { kind: request.format, path: exported.path, bytes: exported.bytes };
      if (this.options.store.isClosed) return artifact;
      this.runs.putArtifact(request.runId, artifact);
      return artifact;
    }
    const error = result.messages.find((m) => m.type === 'error');
    if (error && error.type === 'error') throw new StudioError(STUDIO_CODE[error.code], [error.message, error.hint].filter(Boolean).join(' '));
    const why = result.spawnError ? `its Python could not be started (${result.spawnError.message})` : result.timedOut ? 'it took too long' : describeExit(result.code, result.signal);
    throw new StudioError('internal', `The ${request.format} export failed: ${why}. ${result.stderr.last(3).join(' · ')}`.trim());
  }

  /** Whether a run is being trained or waits to be. */
  get busy(): boolean {
    return this.active !== null || this.queue.length > 0;
  }

  /**
   * Stops the running process politely and waits for it (killing it after the shutdown grace
   * period); queued runs become interrupted. Call before the project's database closes.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.recordUnrecorded();
    for (const id of this.queue.splice(0)) {
      SUPERVISED.delete(this.key(id));
      this.runs.update(id, { status: 'interrupted', endedAt: new Date().toISOString(), resumable: true, ownerPid: null });
      this.emitStatus(id);
    }
    const active = this.active;
    if (active) {
      if (!active.stopReason) this.requestStop(active, 'shutdown', this.shutdownGraceMs);
      else {
        // Already stopping at the user's request: only the wait gets shorter.
        if (active.killTimer) clearTimeout(active.killTimer);
        active.killTimer = setTimeout(() => this.kill(active, this.shutdownGraceMs), this.shutdownGraceMs);
      }
      await active.ended;
    }
  }

  // --- running ---

  private assertOpen(): void {
    if (this.disposed || this.options.store.isClosed) throw new StudioError('no_project', 'The project was closed.');
  }

  private async writeSpec(paths: RunPaths, spec: RuntimeTrainSpec): Promise<void> {
    // The same schema the runtime's spec is documented by: a spec main writes wrong fails here.
    const checked = RuntimeTrainSpecSchema.parse(spec);
    await fsp.writeFile(paths.spec, `${JSON.stringify(checked, null, 2)}\n`);
  }

  private launchNext(): void {
    if (this.active || this.disposed) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    try {
      this.launch(id);
    } catch (err) {
      // A full disk is the user's to fix, and the run stays resumable: its spec is written atomically.
      const diskFull = isDiskFullError(err);
      const patch: RunPatch = {
        status: 'failed',
        endedAt: new Date().toISOString(),
        error: diskFull
          ? { code: 'disk_full', message: 'The disk is full: the run could not be started.', hint: DISK_FULL_HINT }
          : { code: 'internal', message: `The run could not be started: ${(err as Error).message}` },
        ...(diskFull ? { resumable: true } : {}),
        ownerPid: null,
      };
      try {
        this.runs.update(id, patch);
      } catch {
        // The database is full too: kept until it takes it, rather than thrown from a process's exit handler.
        const pending = this.unrecorded.get(id);
        this.unrecorded.set(id, { epochs: pending?.epochs ?? [], patch: { ...pending?.patch, ...patch } });
      }
      SUPERVISED.delete(this.key(id));
      this.emitStatus(id);
      this.launchNext();
    }
  }

  private launch(id: string): void {
    const record = this.runs.get(id);
    const paths = runPaths(this.runsDir, id);
    const located = this.options.runtime.locate();
    if (!located.python) {
      this.runs.update(id, {
        status: 'failed',
        endedAt: new Date().toISOString(),
        error: { code: 'unsupported', message: 'No training runtime is set up.', hint: ACTIONS.install },
        ownerPid: null,
      });
      SUPERVISED.delete(this.key(id));
      this.emitStatus(id);
      this.launchNext();
      return;
    }
    // A run resumes from its checkpoint where it has one, else it starts (again) from the beginning.
    const spec = JSON.parse(fs.readFileSync(paths.spec, 'utf8')) as RuntimeTrainSpec;
    const resume = fs.existsSync(paths.last) && record.epochsDone > 0;
    spec.resume = resume;
    // Written synchronously: the process must read the spec this run decided on.
    writeFileAtomicSync(paths.spec, `${JSON.stringify(RuntimeTrainSpecSchema.parse(spec), null, 2)}\n`);
    fs.rmSync(paths.stop, { force: true });

    const log = new LogTail(200);
    const logFile = fs.createWriteStream(paths.log, { flags: 'a' });
    logFile.on('error', () => undefined); // the log is a convenience; a full disk shows elsewhere
    const stamp = `[studio] ${new Date().toISOString()} ${resume ? `resuming after epoch ${record.epochsDone}` : 'starting'} with ${located.python}`;
    log.note(stamp);
    logFile.write(`${stamp}\n`);

    const child = spawnRuntime({
      python: located.python,
      runtimeDir: this.options.runtime.runtimeDir,
      args: ['train', '--spec', paths.spec],
      env: this.options.runtime.baseEnv,
      cwd: paths.dir,
      ownGroup: true,
    });
    let settle!: () => void;
    const active: ActiveRun = {
      id,
      paths,
      child,
      log,
      logFile,
      stopReason: null,
      recordFailure: null,
      forced: false,
      finished: null,
      error: null,
      spawnError: null,
      killTimer: null,
      logTimer: null,
      progressTimer: null,
      lastProgressAt: 0,
      pendingProgress: null,
      ended: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.active = active;
    this.runs.update(id, {
      status: 'running',
      startedAt: record.startedAt ?? new Date().toISOString(),
      endedAt: null,
      error: null,
      pid: child.pid ?? null,
      ownerPid: process.pid,
    });
    this.emitStatus(id);

    const stdout = new LineSplitter(
      (line) => this.onLine(active, line),
      (length) => this.noteLog(active, `[studio] ignored a stdout line of ${length} characters: longer than any protocol message`),
    );
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      log.push(chunk);
      logFile.write(chunk);
      this.saveLogSoon(active);
    });
    child.on('error', (err) => {
      active.spawnError = err as NodeJS.ErrnoException;
    });
    let done = false;
    const end = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      stdout.end();
      log.end();
      this.finish(active, code, signal);
      settle();
    };
    child.on('exit', (code, signal) => {
      // Normally 'close' follows at once. A forked worker still holding the pipes would delay
      // it; the run's end is decided without waiting for that.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        end(code, signal);
      }, PIPE_CLOSE_GRACE_MS).unref();
    });
    child.on('close', (code, signal) => end(code, signal));
  }

  private onLine(active: ActiveRun, line: string): void {
    if (!line.trim()) return;
    const parsed = parseRuntimeLine(line);
    if (!parsed.ok) {
      const preview = line.length > 120 ? `${line.slice(0, 119)}…` : line;
      this.noteLog(active, `[studio] ignored a stdout line that is not a protocol message (${parsed.error}): ${preview}`);
      return;
    }
    try {
      this.onMessage(active, parsed.message);
    } catch (err) {
      // A message that cannot be stored (the project closed under it) must not take the reader down.
      this.noteLog(active, `[studio] could not record a ${parsed.message.type} message: ${(err as Error).message}`);
      if (isDiskFullError(err)) {
        this.keepUnrecorded(active.id, parsed.message);
        this.cannotRecord(active);
      }
    }
  }

  private onMessage(active: ActiveRun, message: RuntimeMessage): void {
    const { id } = active;
    switch (message.type) {
      case 'started':
        this.runs.update(id, { device: message.device_name ? `${message.device} (${message.device_name})` : message.device, epochs: message.epochs });
        this.emitStatus(id);
        return;
      case 'progress':
        this.progress(active, { runId: id, epoch: message.epoch, epochs: message.epochs, batch: message.batch, batches: message.batches, losses: message.losses });
        return;
      case 'epoch': {
        const record = epochRecord(message);
        if (active.progressTimer) clearTimeout(active.progressTimer);
        active.progressTimer = null;
        active.pendingProgress = null;
        // The UI hears of the epoch first; storing it (a synchronous, fsync'd write) comes after
        // in the same tick, so any request the event prompts already finds it stored.
        this.options.events.epoch({ runId: id, epoch: record });
        this.runs.putEpoch(id, record);
        this.runs.update(id, {
          epochsDone: message.epoch,
          ...(message.is_best ? { best: { epoch: message.epoch, metrics: message.metrics } } : {}),
        });
        return;
      }
      case 'finished':
        active.finished = message;
        return;
      case 'error':
        active.error = message;
        return;
      default:
        return; // checkpoint: the weights are recorded when the run ends
    }
  }

  private progress(active: ActiveRun, p: TrainingProgress): void {
    const wait = active.lastProgressAt + this.progressIntervalMs - Date.now();
    if (wait <= 0) {
      active.lastProgressAt = Date.now();
      this.options.events.progress(p);
      return;
    }
    active.pendingProgress = p;
    if (active.progressTimer) return;
    active.progressTimer = setTimeout(() => {
      active.progressTimer = null;
      const pending = active.pendingProgress;
      active.pendingProgress = null;
      if (!pending || this.active !== active) return;
      active.lastProgressAt = Date.now();
      this.options.events.progress(pending);
    }, wait);
    active.progressTimer.unref();
  }

  private noteLog(active: ActiveRun, line: string): void {
    active.log.note(line);
    active.logFile.write(`${line}\n`);
    this.saveLogSoon(active);
  }

  private saveLogSoon(active: ActiveRun): void {
    if (active.logTimer) return;
    active.logTimer = setTimeout(() => {
      active.logTimer = null;
      if (this.active !== active || this.options.store.isClosed) return;
      try {
        this.runs.setLogTail(active.id, active.log.get());
      } catch (err) {
        // Thrown from a timer it would end the studio; the log tail is saved again at the end.
        if (isDiskFullError(err)) this.cannotRecord(active);
      }
    }, LOG_SAVE_MS);
    active.logTimer.unref();
  }

  /**
   * The project's database (or the disk under it) is full: the run's epochs cannot be stored, so
   * training on would show progress that is then lost. The trainer is asked to stop (it saves its
   * checkpoint if it can) and the run ends failed, resumable, saying why.
   */
  private cannotRecord(active: ActiveRun): void {
    if (active.recordFailure) return;
    active.recordFailure = { code: 'disk_full', message: "The disk is full: the studio could not record the run's progress, so it stopped the run.", hint: DISK_FULL_HINT };
    if (!active.stopReason) this.requestStop(active, 'disk_full', this.stopGraceMs);
  }

  private requestStop(active: ActiveRun, reason: 'user' | 'shutdown' | 'disk_full', graceMs: number): void {
    active.stopReason = reason;
    const why = { user: 'stop requested', shutdown: 'the project is closing', disk_full: "the disk is full and the run's progress cannot be recorded" }[reason];
    this.noteLog(active, `[studio] ${why}: asking the trainer to finish the epoch early and save`);
    try {
      fs.writeFileSync(active.paths.stop, `${new Date().toISOString()}\n`);
    } catch {
      /* the signal below still asks */
    }
    // Windows has no SIGINT to send to another process: the stop file is how it is asked there.
    if (process.platform !== 'win32' && active.child.exitCode === null && active.child.signalCode === null) active.child.kill('SIGINT');
    if (active.killTimer) clearTimeout(active.killTimer);
    active.killTimer = setTimeout(() => this.kill(active, graceMs), graceMs);
    active.killTimer.unref();
  }

  private kill(active: ActiveRun, graceMs: number): void {
    const { child } = active;
    if (child.exitCode !== null || child.signalCode !== null) return;
    active.forced = true;
    this.noteLog(active, `[studio] the trainer did not end within ${Math.round(graceMs / 1000)} s of the stop request: killing it`);
    // Its own process group on POSIX: take any dataloader workers down with it.
    try {
      if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** Records how the run ended, then starts the next one. */
  private finish(active: ActiveRun, code: number | null, signal: NodeJS.Signals | null): void {
    for (const timer of [active.killTimer, active.logTimer, active.progressTimer]) if (timer) clearTimeout(timer);
    active.logFile.end();
    fs.rmSync(active.paths.stop, { force: true });
    if (this.active === active) this.active = null;
    SUPERVISED.delete(this.key(active.id));
    if (!this.options.store.isClosed) {
      try {
        // One transaction: a write that fails (a full disk) leaves none of the end recorded, not half.
        writeTransaction(this.options.store.db, () => {
          this.writeUnrecorded(active.id);
          this.recordEnd(active, code, signal);
        })();
        this.unrecorded.delete(active.id);
        this.emitStatus(active.id);
      } catch (err) {
        console.error(`[reticle] recording the end of run ${active.id} failed:`, err);
        this.recordFailedEnd(active, err);
      }
    }
    this.launchNext();
  }

  /**
   * How a run ended could not be recorded in full: records the least that tells the user (failed,
   * and why), trimming the stored log tail so that it fits where the full record did not. Where
   * even that cannot be written, the UI still hears that the run failed, and the end is written
   * as soon as the database takes it (the next list, start or resume; a later open marks the run
   * interrupted otherwise).
   */
  private recordFailedEnd(active: ActiveRun, err: unknown): void {
    const error: RunError =
      active.recordFailure ??
      (isDiskFullError(err)
        ? { code: 'disk_full', message: 'The disk is full: the studio could not record how the run ended.', hint: DISK_FULL_HINT }
        : { code: 'internal', message: `The studio could not record how the run ended: ${(err as Error).message}`, hint: 'The full log is in the run folder.' });
    // Resumable either way: resume continues from last.pt where there is one, else starts over.
    const patch: RunPatch = { status: 'failed', endedAt: new Date().toISOString(), pid: null, ownerPid: null, resumable: true, error };
    try {
      writeTransaction(this.options.store.db, () => {
        this.runs.setLogTail(active.id, active.log.last(10));
        this.runs.update(active.id, patch);
      })();
      this.emitStatus(active.id);
    } catch (again) {
      console.error(`[reticle] run ${active.id} could not be marked failed either:`, again);
      const pending = this.unrecorded.get(active.id) ?? { epochs: [], patch: {} };
      this.unrecorded.set(active.id, { ...pending, patch: { ...pending.patch, ...patch } });
      try {
        this.emitStatus(active.id);
      } catch {
        /* the database cannot even be read: nothing more to tell */
      }
    }
  }

  /**
   * Keeps an epoch the database could not take, so that it is stored once space is freed: the
   * trainer's checkpoint includes that epoch, and resuming continues after it.
   */
  private keepUnrecorded(id: string, message: RuntimeMessage): void {
    if (message.type !== 'epoch') return;
    const pending = this.unrecorded.get(id) ?? { epochs: [], patch: {} };
    pending.epochs = [...pending.epochs.filter((e) => e.epoch !== message.epoch), epochRecord(message)];
    pending.patch = { ...pending.patch, epochsDone: message.epoch, ...(message.is_best ? { best: { epoch: message.epoch, metrics: message.metrics } } : {}) };
    this.unrecorded.set(id, pending);
  }

  /** Writes what the database could not take of a run before; inside a transaction, which the caller forgets it after. */
  private writeUnrecorded(id: string): void {
    const pending = this.unrecorded.get(id);
    if (!pending) return;
    for (const epoch of pending.epochs) this.runs.putEpoch(id, epoch);
    this.runs.update(id, pending.patch);
  }

  /** Writes what the database could not take before, run by run; stops at the first it still refuses. */
  private recordUnrecorded(): void {
    for (const id of [...this.unrecorded.keys()]) {
      if (this.options.store.isClosed || this.active?.id === id) continue;
      try {
        writeTransaction(this.options.store.db, () => this.writeUnrecorded(id))();
      } catch {
        return; // still full
      }
      this.unrecorded.delete(id);
      this.emitStatus(id);
    }
  }

  private recordEnd(active: ActiveRun, code: number | null, signal: NodeJS.Signals | null): void {
    const { id, paths, finished, error, stopReason } = active;
    const record = this.runs.get(id);
    const now = new Date().toISOString();
    const hasLast = fs.existsSync(paths.last);
    const stoppedStatus = stopReason === 'shutdown' ? 'interrupted' : 'stopped';
    this.recordArtifacts(id, paths);
    this.runs.setLogTail(id, active.log.get());
    const common = { endedAt: now, pid: null, ownerPid: null } as const;

    if (active.recordFailure) {
      // Whatever the trainer did after, the run's progress was not recorded: it failed, resumably.
      this.runs.update(id, { ...common, status: 'failed', resumable: hasLast || record.epochsDone === 0, error: active.recordFailure });
    } else if (finished) {
      const status = finished.stopped_by_user ? stoppedStatus : 'completed';
      this.runs.update(id, {
        ...common,
        status,
        epochsDone: finished.epochs_completed || record.epochsDone,
        resumable: status !== 'completed' && (finished.resumable || (hasLast && finished.epochs_completed < finished.epochs)),
        best: finished.best_epoch ? { epoch: finished.best_epoch, metrics: finished.metrics } : record.best,
        results: runResults(finished),
        error: null,
      });
    } else if (stopReason && (active.forced || error?.code === 'interrupted' || !error)) {
      // Stopped, but not cleanly: killed after the grace period, or interrupted by a second signal.
      this.runs.update(id, { ...common, status: stoppedStatus, resumable: hasLast || record.epochsDone === 0, error: null });
    } else if (error) {
      this.runs.update(id, {
        ...common,
        status: 'failed',
        resumable: hasLast && record.epochsDone > 0,
        error: { code: STUDIO_CODE[error.code], message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
      });
    } else {
      const last = active.log.last(5).filter((l) => !l.startsWith('[studio]'));
      const how = active.spawnError
        ? `its Python could not be started (${active.spawnError.code === 'ENOENT' ? `${active.spawnError.path ?? 'the interpreter'} does not exist` : active.spawnError.message})`
        : describeExit(code, signal);
      this.runs.update(id, {
        ...common,
        status: 'failed',
        resumable: hasLast && record.epochsDone > 0,
        error: {
          code: active.spawnError ? 'unsupported' : 'internal',
          message: `Training stopped unexpectedly: ${how}.${last.length ? ` Last output: ${last.join(' · ')}` : ''}`,
          hint: active.spawnError
            ? `Check the training runtime. ${ACTIONS.install}`
            : 'If memory ran out, lower the batch size or the image size. The run can be resumed from its last saved epoch; the full log is in the run folder.',
        },
      });
    }
  }

  private recordArtifacts(id: string, paths: RunPaths): void {
    for (const [kind, file] of [
      ['best', paths.best],
      ['last', paths.last],
      ['results', paths.results],
    ] as const) {
      const bytes = fileBytes(file);
      if (bytes !== null) this.runs.putArtifact(id, { kind, path: file, bytes });
    }
  }

  /**
   * Runs a studio left queued or running. Another live studio process may be supervising them
   * (a `reticle train` in a terminal while the app has the project open): those are left alone.
   * The others were cut off by a crash or a reboot: they become interrupted, and a trainer that
   * somehow outlived its studio is asked to stop through its stop file.
   */
  private recover(): void {
    for (const run of this.runs.unfinished()) {
      if (SUPERVISED.has(this.key(run.id))) continue;
      if (run.ownerPid !== null && run.ownerPid !== process.pid && pidAlive(run.ownerPid)) continue;
      const paths = runPaths(this.runsDir, run.id);
      if (run.status === 'running' && pidAlive(run.pid)) {
        try {
          fs.writeFileSync(paths.stop, 'the studio that started this run is gone\n');
        } catch {
          /* nothing more to do for it */
        }
      }
      this.runs.update(run.id, {
        status: 'interrupted',
        endedAt: run.endedAt ?? new Date().toISOString(),
        resumable: fs.existsSync(paths.spec) && (fs.existsSync(paths.last) || run.epochsDone === 0),
        pid: null,
        ownerPid: null,
      });
    }
  }

  private toSummary(stored: RunRecord): RunSummary {
    // An end the database could not take yet is what the user is shown.
    const r: RunRecord = { ...stored, ...this.unrecorded.get(stored.id)?.patch };
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      model: r.model,
      epochs: r.epochs,
      epochsDone: r.epochsDone,
      device: r.device,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      best: r.best,
      error: r.error,
      resumable: r.resumable,
    };
  }

  private emitStatus(id: string): void {
    this.options.events.status(this.summary(id));
  }
}
