/**
 * A project's record of its training runs (`store.runs`): each change of a run's state, the
 * epochs its trainer reports and how it ended, kept whole when things go wrong:
 *
 * - A full disk: what the database cannot take (epochs, how a run ended) is kept in memory, shown
 *   as if stored, and written, in order, as soon as the database takes it.
 * - A dead studio: runs it left queued or running are marked interrupted when the project is
 *   opened again, unless another live studio process is supervising them.
 *
 * Writes do not tell the UI by themselves: `announce` does, once the caller's change is whole.
 */
import fs from 'node:fs';
import { isDiskFullError, type EpochRecord, type RunArtifact, type RunDetail, type RunSummary, type RuntimeEpoch, type RuntimeMessage, type RuntimeStarted } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { NewRun, RunError, RunPatch, RunRecord, RunRepository } from '../store/run-repository.js';
import { ACTIONS } from '../runtime/runtime-status.js';
import { describeExit } from '../runtime/runtime-process.js';
import { epochRecord, runResults } from './runtime-messages.js';
import { STUDIO_CODE } from '../runtime/runtime-error-codes.js';
import { runPaths, type RunPaths } from './run-paths.js';
import type { TrainerExit, TrainerLog } from './trainer-process.js';
import { processAlive } from '../store/project-folder.js';

/** Why the studio asked a trainer to stop: the user, the project closing, or a disk too full to record the run. */
export type StopReason = 'user' | 'shutdown' | 'disk_full';

/** How a run's trainer ended, with what its supervisor knows of why. */
interface RunEnd {
  exit: TrainerExit;
  stopReason: StopReason | null;
  /** Set when the studio could not record the run's progress (the disk is full): the run fails with it. */
  recordFailure: RunError | null;
  log: TrainerLog;
}

const DISK_FULL_HINT = 'Free some disk space, then resume the run: it continues from its last saved epoch.';

/** Why a run whose progress could not be stored was stopped, and failed. */
export const PROGRESS_NOT_RECORDED: RunError = {
  code: 'disk_full',
  message: "The disk is full: the studio could not record the run's progress, so it stopped the run.",
  hint: DISK_FULL_HINT,
};

interface Unrecorded {
  /** Epochs the trainer reported that could not be stored. */
  epochs: EpochRecord[];
  /** The run's fields as they should be stored (its progress, and how it ended). */
  patch: RunPatch;
}

function pidAlive(pid: number | null): boolean {
  return pid !== null && pid > 0 && processAlive(pid);
}

function fileBytes(p: string): number | null {
  try {
    return fs.statSync(p).size;
  } catch {
    return null;
  }
}

export class RunRecorder {
  private readonly runs: RunRepository;
  /** What the database could not take of a run (the disk was full): written, in order, as soon as it can. */
  private readonly unrecorded = new Map<string, Unrecorded>();

  constructor(
    private readonly store: ProjectStore,
    private readonly onStatus: (run: RunSummary) => void,
  ) {
    this.runs = store.runs;
  }

  // --- reading ---

  /** The run as stored, or a `not_found` error that names it. */
  record(runId: string): RunRecord {
    return this.runs.get(runId);
  }

  exists(runId: string): boolean {
    return this.runs.exists(runId);
  }

  count(): number {
    return this.runs.list().length;
  }

  /** The run as the user is shown it: an end the database could not take yet included. */
  summary(runId: string): RunSummary {
    return this.toSummary(this.runs.get(runId));
  }

  list(): RunSummary[] {
    return this.runs.list().map((r) => this.toSummary(r));
  }

  /** The run with its epochs, log and artifacts; `liveLog` is the log of a run that trains now. */
  detail(runId: string, liveLog?: string[]): RunDetail {
    const detail = this.runs.detail(runId);
    if (liveLog) detail.logTail = liveLog;
    const pending = this.unrecorded.get(runId);
    if (pending) {
      const { status, endedAt, resumable, error, epochsDone, best } = pending.patch;
      Object.assign(detail, Object.fromEntries(Object.entries({ status, endedAt, resumable, error, epochsDone, best }).filter(([, v]) => v !== undefined)));
      detail.epochLog = [...detail.epochLog.filter((e) => !pending.epochs.some((p) => p.epoch === e.epoch)), ...pending.epochs].sort((a, b) => a.epoch - b.epoch);
    }
    return detail;
  }

  /** Tells the UI the run as it is now. */
  announce(runId: string): void {
    this.onStatus(this.summary(runId));
  }

  // --- a run's life ---

  queued(run: NewRun): void {
    this.runs.insert(run);
  }

  /** Queued again by this process (resumed). */
  requeued(runId: string): void {
    this.runs.update(runId, { status: 'queued', endedAt: null, error: null, resumable: false, ownerPid: process.pid });
  }

  /** Taken out of the queue before it started: stopped by the user, or interrupted by the project closing. */
  unqueued(runId: string, status: 'stopped' | 'interrupted'): void {
    this.runs.update(runId, { status, endedAt: new Date().toISOString(), resumable: true, ownerPid: null });
  }

  noRuntime(runId: string): void {
    this.runs.update(runId, {
      status: 'failed',
      endedAt: new Date().toISOString(),
      error: { code: 'unsupported', message: 'No training runtime is set up.', hint: ACTIONS.install },
      ownerPid: null,
    });
  }

  /** The run could not be started. Where even that cannot be written, it is kept until it can. */
  notStarted(runId: string, err: unknown): void {
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
      this.runs.update(runId, patch);
    } catch {
      // The database is full too: kept until it takes it, rather than thrown from a process's exit handler.
      this.keepPatch(runId, patch);
    }
  }

  running(run: RunRecord, pid: number | null): void {
    this.runs.update(run.id, { status: 'running', startedAt: run.startedAt ?? new Date().toISOString(), endedAt: null, error: null, pid, ownerPid: process.pid });
  }

  /** The trainer started: the device it found, and the epochs it will train (told to the UI). */
  started(runId: string, message: RuntimeStarted): void {
    this.runs.update(runId, { device: message.device_name ? `${message.device} (${message.device_name})` : message.device, epochs: message.epochs });
    this.announce(runId);
  }

  epoch(runId: string, message: RuntimeEpoch): void {
    this.runs.putEpoch(runId, epochRecord(message));
    this.runs.update(runId, {
      epochsDone: message.epoch,
      ...(message.is_best ? { best: { epoch: message.epoch, metrics: message.metrics } } : {}),
    });
  }

  saveLog(runId: string, lines: readonly string[]): void {
    this.runs.setLogTail(runId, lines);
  }

  artifact(runId: string, artifact: RunArtifact): void {
    this.runs.putArtifact(runId, artifact);
  }

  /** Records how the run ended, with what the database could not take of it before (the UI is told). */
  ended(runId: string, end: RunEnd): void {
    if (this.store.isClosed) return;
    try {
      // One transaction: a write that fails (a full disk) leaves none of the end recorded, not half.
      this.runs.atomically(() => {
        this.writeUnrecorded(runId);
        this.recordEnd(runId, end);
      });
      this.unrecorded.delete(runId);
      this.announce(runId);
    } catch (err) {
      console.error(`[reticle] recording the end of run ${runId} failed:`, err);
      this.recordFailedEnd(runId, end, err);
    }
  }

  // --- a full disk ---

  /**
   * Keeps an epoch the database could not take, so that it is stored once space is freed: the
   * trainer's checkpoint includes that epoch, and resuming continues after it.
   */
  keep(runId: string, message: RuntimeMessage): void {
    if (message.type !== 'epoch') return;
    const pending = this.unrecorded.get(runId) ?? { epochs: [], patch: {} };
    pending.epochs = [...pending.epochs.filter((e) => e.epoch !== message.epoch), epochRecord(message)];
    pending.patch = { ...pending.patch, epochsDone: message.epoch, ...(message.is_best ? { best: { epoch: message.epoch, metrics: message.metrics } } : {}) };
    this.unrecorded.set(runId, pending);
  }

  /** Whether the database still lacks some of what the run did. */
  behind(runId: string): boolean {
    return this.unrecorded.has(runId);
  }

  /**
   * Writes what the database could not take before, run by run (but `training`'s, which its end
   * writes); stops at the first it still refuses.
   */
  catchUp(training?: string): void {
    for (const id of [...this.unrecorded.keys()]) {
      if (this.store.isClosed || id === training) continue;
      try {
        this.runs.atomically(() => this.writeUnrecorded(id));
      } catch {
        return; // still full
      }
      this.unrecorded.delete(id);
      this.announce(id);
    }
  }

  // --- a dead studio ---

  /**
   * Runs a studio left queued or running. Another live studio process may be supervising them
   * (a `reticle train` in a terminal while the app has the project open): those are left alone,
   * as are those `supervised` in this one. The others were cut off by a crash or a reboot: they
   * become interrupted, and a trainer that somehow outlived its studio is asked to stop through
   * its stop file.
   */
  recover(supervised: (runId: string) => boolean): void {
    for (const run of this.runs.unfinished()) {
      if (supervised(run.id)) continue;
      if (run.ownerPid !== null && run.ownerPid !== process.pid && pidAlive(run.ownerPid)) continue;
      const paths = this.paths(run.id);
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

  // --- helpers ---

  private paths(runId: string): RunPaths {
    return runPaths(this.store.paths.runs, runId);
  }

  private keepPatch(runId: string, patch: RunPatch): void {
    const pending = this.unrecorded.get(runId);
    this.unrecorded.set(runId, { epochs: pending?.epochs ?? [], patch: { ...pending?.patch, ...patch } });
  }

  /** Writes what the database could not take of a run before; inside a transaction, which the caller forgets it after. */
  private writeUnrecorded(runId: string): void {
    const pending = this.unrecorded.get(runId);
    if (!pending) return;
    for (const epoch of pending.epochs) this.runs.putEpoch(runId, epoch);
    this.runs.update(runId, pending.patch);
  }

  /**
   * How a run ended could not be recorded in full: records the least that tells the user (failed,
   * and why), trimming the stored log tail so that it fits where the full record did not. Where
   * even that cannot be written, the UI still hears that the run failed, and the end is written
   * as soon as the database takes it (the next list, start or resume; a later open marks the run
   * interrupted otherwise).
   */
  private recordFailedEnd(runId: string, end: RunEnd, err: unknown): void {
    const error: RunError =
      end.recordFailure ??
      (isDiskFullError(err)
        ? { code: 'disk_full', message: 'The disk is full: the studio could not record how the run ended.', hint: DISK_FULL_HINT }
        : { code: 'internal', message: `The studio could not record how the run ended: ${(err as Error).message}`, hint: 'The full log is in the run folder.' });
    // Resumable either way: resume continues from last.pt where there is one, else starts over.
    const patch: RunPatch = { status: 'failed', endedAt: new Date().toISOString(), pid: null, ownerPid: null, resumable: true, error };
    try {
      this.runs.atomically(() => {
        this.runs.setLogTail(runId, end.log.last(10));
        this.runs.update(runId, patch);
      });
      this.announce(runId);
    } catch (again) {
      console.error(`[reticle] run ${runId} could not be marked failed either:`, again);
      this.keepPatch(runId, patch);
      try {
        this.announce(runId);
      } catch {
        /* the database cannot even be read: nothing more to tell */
      }
    }
  }

  private recordEnd(id: string, end: RunEnd): void {
    const { exit, stopReason } = end;
    const { finished, error } = exit;
    const paths = this.paths(id);
    const record = this.runs.get(id);
    const now = new Date().toISOString();
    const hasLast = fs.existsSync(paths.last);
    const stoppedStatus = stopReason === 'shutdown' ? 'interrupted' : 'stopped';
    this.recordArtifacts(id, paths);
    this.runs.setLogTail(id, end.log.get());
    const common = { endedAt: now, pid: null, ownerPid: null } as const;

    if (end.recordFailure) {
      // Whatever the trainer did after, the run's progress was not recorded: it failed, resumably.
      this.runs.update(id, { ...common, status: 'failed', resumable: hasLast || record.epochsDone === 0, error: end.recordFailure });
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
    } else if (stopReason && (exit.forced || error?.code === 'interrupted' || !error)) {
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
      const last = end.log.last(5).filter((l) => !l.startsWith('[studio]'));
      const { spawnError } = exit;
      const how = spawnError
        ? `its Python could not be started (${spawnError.code === 'ENOENT' ? `${spawnError.path ?? 'the interpreter'} does not exist` : spawnError.message})`
        : describeExit(exit.code, exit.signal);
      this.runs.update(id, {
        ...common,
        status: 'failed',
        resumable: hasLast && record.epochsDone > 0,
        error: {
          code: spawnError ? 'unsupported' : 'internal',
          message: `Training stopped unexpectedly: ${how}.${last.length ? ` Last output: ${last.join(' · ')}` : ''}`,
          hint: spawnError
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
}
