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
 *
 * The queue and these decisions are here; the process is a TrainerProcess (trainer-process.ts),
 * what is stored goes through the RunRecorder (run-recorder.ts), and exports through
 * model-export.ts.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import {
  StudioError,
  isDiskFullError,
  type EpochRecord,
  type ModelExportFormat,
  type RunArtifact,
  type RunDetail,
  type RunSummary,
  type RuntimeMessage,
  type RuntimeTrainSpec,
  type TrainingProgress,
  type TrainingSpec,
} from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { RunError } from '../store/run-repository.js';
import type { MediaStore } from '../media/media-store.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import { ACTIONS } from '../runtime/runtime-status.js';
import { snapshotDataset } from './snapshot.js';
import { deviceAndBatch, hyperparameters, modelStart } from './run-spec.js';
import { epochRecord } from './runtime-messages.js';
import { runPaths } from './run-paths.js';
import { TrainerProcess, trainSpecText, type TrainerExit } from './trainer-process.js';
import { PROGRESS_NOT_RECORDED, RunRecorder, type StopReason } from './run-recorder.js';
import { exportWeights } from '../runtime/model-export.js';
import type { WeightsLibrary } from '../weights/weights-library.js';
import { ProgressThrottle } from './progress-throttle.js';

export interface TrainingEvents {
  status(run: RunSummary): void;
  epoch(event: { runId: string; epoch: EpochRecord }): void;
  progress(progress: TrainingProgress): void;
}

interface TrainingSupervisorOptions {
  store: ProjectStore;
  media: MediaStore;
  runtime: RuntimeManager;
  weights: WeightsLibrary;
  events: TrainingEvents;
  /** How long a stopped run may take to end cleanly before it is killed. */
  stopGraceMs?: number;
  /** The same when the project closes or the studio quits (the desktop app waits 10 s at most). */
  shutdownGraceMs?: number;
  /** At most one `onProgress` per run this often. */
  progressIntervalMs?: number;
}

/** Runs supervised by some supervisor in this process, so a second one leaves them alone. */
const SUPERVISED = new Set<string>();

interface ActiveRun {
  id: string;
  trainer: TrainerProcess;
  /** Why the studio asked it to stop: the user, the project closing, or a disk too full to record the run. */
  stopReason: StopReason | null;
  /** Set when the studio could not record the run's progress (the disk is full): the run fails with it. */
  recordFailure: RunError | null;
  logTimer: NodeJS.Timeout | null;
  progress: ProgressThrottle<TrainingProgress>;
}

const LOG_SAVE_MS = 2000;

const STOP_WHY: Record<StopReason, string> = {
  user: 'stop requested',
  shutdown: 'the project is closing',
  disk_full: "the disk is full and the run's progress cannot be recorded",
};

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export class TrainingSupervisor {
  private readonly recorder: RunRecorder;
  private readonly queue: string[] = [];
  private active: ActiveRun | null = null;
  private disposed = false;
  private readonly stopGraceMs: number;
  private readonly shutdownGraceMs: number;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: TrainingSupervisorOptions) {
    this.recorder = new RunRecorder(options.store, (run) => options.events.status(run));
    this.stopGraceMs = options.stopGraceMs ?? 30_000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 6000;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.recorder.recover((id) => SUPERVISED.has(this.key(id)));
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
    this.catchUp();
    const store = this.options.store;
    const task = store.info().task;
    const hyper = hyperparameters(spec);
    const start = modelStart(spec, task, {
      bestOfRun: (runId) => {
        if (!this.recorder.exists(runId)) return null;
        return { path: runPaths(this.runsDir, runId).best, name: this.recorder.record(runId).name };
      },
      library: (name) => this.options.weights.get(name),
    });
    this.requirePython();
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
        model_source: start.source,
      };
      await fsp.writeFile(paths.spec, trainSpecText(runtimeSpec));
      this.assertOpen();
      const name = spec.name || `Run ${this.recorder.count() + 1}`;
      this.recorder.queued({
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
    this.enqueue(id);
    return this.summary(id);
  }

  /**
   * Ends a run cleanly: a queued one leaves the queue; a running one finishes its epoch early,
   * is validated and saved (killed if it takes longer than the grace period). Answers at once,
   * with the run as it is; `onStatus` tells when it has ended. A run that has ended is left as it is.
   */
  stop(runId: string): RunSummary {
    const record = this.recorder.record(runId);
    const queued = this.queue.indexOf(runId);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      SUPERVISED.delete(this.key(runId));
      this.recorder.unqueued(runId, 'stopped');
      this.recorder.announce(runId);
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
    this.catchUp();
    if (this.recorder.behind(runId)) {
      throw new StudioError('disk_full', `The disk is still full: what run "${this.recorder.record(runId).name}" did cannot be recorded yet. Free some disk space, then resume it.`);
    }
    const record = this.recorder.record(runId);
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
    this.recorder.requeued(runId);
    this.enqueue(runId);
    return this.summary(runId);
  }

  list(): RunSummary[] {
    this.catchUp();
    return this.recorder.list();
  }

  get(runId: string): RunDetail {
    return this.recorder.detail(runId, this.active?.id === runId ? this.active.trainer.log.get() : undefined);
  }

  summary(runId: string): RunSummary {
    return this.recorder.summary(runId);
  }

  /**
   * Exports a run's weights with `reticle_runtime export`; the file lands beside the weights
   * and is recorded as an artifact of the run.
   *
   * @throws StudioError `not_found` when the run has no such weights; the runtime's failure otherwise
   */
  async exportModel(request: { runId: string; format: ModelExportFormat; weights: 'best' | 'last' }): Promise<RunArtifact> {
    const record = this.recorder.record(request.runId);
    const paths = runPaths(this.runsDir, request.runId);
    const weights = request.weights === 'best' ? paths.best : paths.last;
    if (!fs.existsSync(weights)) {
      throw new StudioError('not_found', `Run "${record.name}" has no ${request.weights}.pt yet: it did not finish an epoch.`);
    }
    const { runtimeDir, baseEnv } = this.options.runtime;
    const artifact = await exportWeights({ python: this.requirePython(), runtimeDir, env: baseEnv, weights, format: request.format, cwd: paths.dir });
    if (!this.options.store.isClosed) this.recorder.artifact(request.runId, artifact);
    return artifact;
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
    this.catchUp();
    for (const id of this.queue.splice(0)) {
      SUPERVISED.delete(this.key(id));
      this.recorder.unqueued(id, 'interrupted');
      this.recorder.announce(id);
    }
    const active = this.active;
    if (active) {
      if (!active.stopReason) this.requestStop(active, 'shutdown', this.shutdownGraceMs);
      // Already stopping at the user's request: only the wait gets shorter.
      else active.trainer.killAfter(this.shutdownGraceMs);
      await active.trainer.ended;
    }
  }

  // --- running ---

  private assertOpen(): void {
    if (this.disposed || this.options.store.isClosed) throw new StudioError('no_project', 'The project was closed.');
  }

  /** The runtime's Python. @throws StudioError `unsupported` when no runtime is set up */
  private requirePython(): string {
    const { python } = this.options.runtime.locate();
    if (!python) throw new StudioError('unsupported', `No training runtime is set up yet. ${ACTIONS.install}`);
    return python;
  }

  /** Writes what the database could not take before (the trainer's run writes its own at its end). */
  private catchUp(): void {
    this.recorder.catchUp(this.active?.id);
  }

  private enqueue(id: string): void {
    SUPERVISED.add(this.key(id));
    this.queue.push(id);
    this.recorder.announce(id);
    this.launchNext();
  }

  private launchNext(): void {
    if (this.active || this.disposed) return;
    const id = this.queue.shift();
    if (id === undefined) return;
    try {
      this.launch(id);
    } catch (err) {
      this.recorder.notStarted(id, err);
      SUPERVISED.delete(this.key(id));
      this.recorder.announce(id);
      this.launchNext();
    }
  }

  private launch(id: string): void {
    const record = this.recorder.record(id);
    const paths = runPaths(this.runsDir, id);
    const located = this.options.runtime.locate();
    if (!located.python) {
      this.recorder.noRuntime(id);
      SUPERVISED.delete(this.key(id));
      this.recorder.announce(id);
      this.launchNext();
      return;
    }
    // A run resumes from its checkpoint where it has one, else it starts (again) from the beginning.
    const spec = JSON.parse(fs.readFileSync(paths.spec, 'utf8')) as RuntimeTrainSpec;
    const resume = fs.existsSync(paths.last) && record.epochsDone > 0;
    spec.resume = resume;
    const active: ActiveRun = {
      id,
      trainer: TrainerProcess.start({
        python: located.python,
        runtimeDir: this.options.runtime.runtimeDir,
        env: this.options.runtime.baseEnv,
        runDir: paths.dir,
        spec,
        startNote: resume ? `resuming after epoch ${record.epochsDone}` : 'starting',
        events: {
          message: (message) => this.onMessage(active, message),
          log: () => this.saveLogSoon(active),
          exit: (exit) => this.finish(active, exit),
        },
      }),
      stopReason: null,
      recordFailure: null,
      logTimer: null,
      progress: new ProgressThrottle((p) => this.options.events.progress(p), this.progressIntervalMs),
    };
    this.active = active;
    this.recorder.running(record, active.trainer.pid);
    this.recorder.announce(id);
  }

  private onMessage(active: ActiveRun, message: RuntimeMessage): void {
    const { id } = active;
    try {
      switch (message.type) {
        case 'started':
          this.recorder.started(id, message);
          return;
        case 'progress':
          active.progress.push({ runId: id, epoch: message.epoch, epochs: message.epochs, batch: message.batch, batches: message.batches, losses: message.losses });
          return;
        case 'epoch':
          active.progress.cancel();
          // The UI hears of the epoch first; storing it (a synchronous, fsync'd write) comes after
          // in the same tick, so any request the event prompts already finds it stored.
          this.options.events.epoch({ runId: id, epoch: epochRecord(message) });
          this.recorder.epoch(id, message);
          return;
        default:
          return; // finished and error: the trainer tells them at its exit; checkpoint: the weights are recorded then
      }
    } catch (err) {
      // A message that cannot be stored (the project closed under it) must not take the reader down.
      active.trainer.note(`[studio] could not record a ${message.type} message: ${(err as Error).message}`);
      if (isDiskFullError(err)) {
        this.recorder.keep(id, message);
        this.cannotRecord(active);
      }
    }
  }

  private saveLogSoon(active: ActiveRun): void {
    if (active.logTimer) return;
    active.logTimer = setTimeout(() => {
      active.logTimer = null;
      if (this.active !== active || this.options.store.isClosed) return;
      try {
        this.recorder.saveLog(active.id, active.trainer.log.get());
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
    active.recordFailure = PROGRESS_NOT_RECORDED;
    if (!active.stopReason) this.requestStop(active, 'disk_full', this.stopGraceMs);
  }

  private requestStop(active: ActiveRun, reason: StopReason, graceMs: number): void {
    active.stopReason = reason;
    active.trainer.stop(graceMs, STOP_WHY[reason]);
  }

  /** Records how the run ended, then starts the next one. */
  private finish(active: ActiveRun, exit: TrainerExit): void {
    if (active.logTimer) clearTimeout(active.logTimer);
    active.progress.cancel();
    if (this.active === active) this.active = null;
    SUPERVISED.delete(this.key(active.id));
    this.recorder.ended(active.id, { exit, stopReason: active.stopReason, recordFailure: active.recordFailure, log: active.trainer.log });
    this.launchNext();
  }
}
