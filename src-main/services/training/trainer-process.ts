/**
 * One trainer: a `python -m reticle_runtime train` process working in a run folder, and what it
 * says. It knows nothing of projects or databases: the studio's supervisor records what it
 * reports, and a worker that trains jobs it receives over the network can run it as it is.
 *
 * - Starting writes the spec to `<run>/spec.json`, naming the run folder's stop file, removes a
 *   stop file left from before and appends to `<run>/train.log`.
 * - Every stdout line is parsed with the runtime protocol (src-shared/runtime-protocol.ts) and
 *   handed over as it arrives; a line that is not a protocol message goes to the log and is
 *   otherwise ignored. stderr goes to the log, whose last lines are kept in memory.
 * - `stop` creates the stop file and sends SIGINT (the runtime finishes the epoch early,
 *   validates and saves); after the grace period the process and its workers are killed.
 * - The exit is told once, with how the process ended and the runtime's last word (`finished` or
 *   `error`), after everything it wrote has been read.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { RuntimeTrainSpecSchema, parseRuntimeLine, type RuntimeError, type RuntimeFinished, type RuntimeMessage, type RuntimeTrainSpec } from '@shared';
import { LineSplitter, LogTail, spawnRuntime } from '../runtime/runtime-process.js';
import { runFolderPaths, type RunPaths } from './run-paths.js';

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed after a stop's grace period rather than ending by itself. */
  forced: boolean;
  /** Set when the interpreter could not be started at all (ENOENT, EACCES...). */
  spawnError: NodeJS.ErrnoException | null;
  /** The runtime's `finished` message, where it sent one. */
  finished: RuntimeFinished | null;
  /** The runtime's `error` message, where it sent one. */
  error: RuntimeError | null;
}

interface TrainerEvents {
  /** A protocol message, as soon as its line arrives. What it throws is noted in the log. */
  message(message: RuntimeMessage): void;
  /** The log grew: the process wrote to stderr, or a note was added. */
  log?(): void;
  /** The process is gone and what it wrote is read. Called once. */
  exit(exit: TrainerExit): void;
}

interface TrainerOptions {
  /** The runtime's Python interpreter. */
  python: string;
  /** The folder that holds the `reticle_runtime` package. */
  runtimeDir: string;
  /** The environment the process starts from; runtimeProcessEnv adds the runtime's own. */
  env?: NodeJS.ProcessEnv;
  /** The run folder: the process works there, and its spec, stop file and log are there. */
  runDir: string;
  /** What to train. Its `stop_file` is replaced by the run folder's. */
  spec: RuntimeTrainSpec;
  /** What the log's first line says the trainer does: "starting" (the default), "resuming after epoch 3". */
  startNote?: string;
  events: TrainerEvents;
}

/** The last lines of a trainer's log: its stderr and the notes added to it. */
export type TrainerLog = Pick<LogTail, 'get' | 'last'>;

/** After the process exits, how long its pipes may stay open (a forked worker holding them). */
const PIPE_CLOSE_GRACE_MS = 1000;

/** A runtime spec as its file holds it. The runtime's spec is documented by the same schema: a spec written wrong fails here. */
export function trainSpecText(spec: RuntimeTrainSpec): string {
  return `${JSON.stringify(RuntimeTrainSpecSchema.parse(spec), null, 2)}\n`;
}

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

export class TrainerProcess {
  readonly files: RunPaths;
  /** Settles with the exit once `events.exit` has been called. */
  readonly ended: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly tail = new LogTail(200);
  private readonly logFile: fs.WriteStream;
  private killTimer: NodeJS.Timeout | null = null;
  private forced = false;
  private finished: RuntimeFinished | null = null;
  private error: RuntimeError | null = null;
  private spawnError: NodeJS.ErrnoException | null = null;

  /**
   * Writes the spec and starts the process.
   *
   * @throws the file system's error when the spec cannot be written (a full disk), the process's
   *   when it cannot be spawned at all; an interpreter that does not exist is told by `exit`
   */
  static start(options: TrainerOptions): TrainerProcess {
    return new TrainerProcess(options);
  }

  private constructor(private readonly options: TrainerOptions) {
    const files = (this.files = runFolderPaths(options.runDir));
    // Written synchronously: the process must read the spec the caller decided on.
    writeFileAtomicSync(files.spec, trainSpecText({ ...options.spec, stop_file: files.stop }));
    fs.rmSync(files.stop, { force: true });

    this.logFile = fs.createWriteStream(files.log, { flags: 'a' });
    this.logFile.on('error', () => undefined); // the log is a convenience; a full disk shows elsewhere
    const stamp = `[studio] ${new Date().toISOString()} ${options.startNote ?? 'starting'} with ${options.python}`;
    this.tail.note(stamp);
    this.logFile.write(`${stamp}\n`);

    try {
      this.child = spawnRuntime({ python: options.python, runtimeDir: options.runtimeDir, args: ['train', '--spec', files.spec], env: options.env, cwd: options.runDir, ownGroup: true });
    } catch (err) {
      this.logFile.end();
      throw err;
    }
    this.ended = this.follow();
  }

  /** The trainer's pid while it runs. */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get log(): TrainerLog {
    return this.tail;
  }

  /** Adds a line of the caller's own to the log (a note about the run). */
  note(line: string): void {
    this.tail.note(line);
    this.logFile.write(`${line}\n`);
    this.options.events.log?.();
  }

  /**
   * Asks the trainer to end cleanly, saying `why` in the log; kills it if it has not ended
   * `graceMs` later.
   */
  stop(graceMs: number, why = 'stop requested'): void {
    this.note(`[studio] ${why}: asking the trainer to finish the epoch early and save`);
    try {
      fs.writeFileSync(this.files.stop, `${new Date().toISOString()}\n`);
    } catch {
      /* the signal below still asks */
    }
    // Windows has no SIGINT to send to another process: the stop file is how it is asked there.
    if (process.platform !== 'win32' && this.running) this.child.kill('SIGINT');
    this.killAfter(graceMs);
  }

  /** Kills the trainer unless it ends within `graceMs`, instead of any earlier deadline. */
  killAfter(graceMs: number): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = setTimeout(() => this.kill(graceMs), graceMs);
    this.killTimer.unref();
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private kill(graceMs: number): void {
    const { child } = this;
    if (!this.running) return;
    this.forced = true;
    this.note(`[studio] the trainer did not end within ${Math.round(graceMs / 1000)} s of the stop request: killing it`);
    // Its own process group on POSIX: take any dataloader workers down with it.
    try {
      if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** Reads the process's output until it is gone, then tells how it ended. */
  private follow(): Promise<TrainerExit> {
    const { child } = this;
    const stdout = new LineSplitter(
      (line) => this.onLine(line),
      (length) => this.note(`[studio] ignored a stdout line of ${length} characters: longer than any protocol message`),
    );
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.tail.push(chunk);
      this.logFile.write(chunk);
      this.options.events.log?.();
    });
    child.on('error', (err) => {
      this.spawnError = err as NodeJS.ErrnoException;
    });
    return new Promise<TrainerExit>((resolve) => {
      let done = false;
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        stdout.end();
        this.tail.end();
        if (this.killTimer) clearTimeout(this.killTimer);
        this.logFile.end();
        fs.rmSync(this.files.stop, { force: true });
        const exit: TrainerExit = { code, signal, forced: this.forced, spawnError: this.spawnError, finished: this.finished, error: this.error };
        try {
          this.options.events.exit(exit);
        } finally {
          resolve(exit);
        }
      };
      child.on('exit', (code, signal) => {
        // Normally 'close' follows at once. A forked worker still holding the pipes would delay
        // it; the end is told without waiting for that.
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          end(code, signal);
        }, PIPE_CLOSE_GRACE_MS).unref();
      });
      child.on('close', (code, signal) => end(code, signal));
    });
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    const parsed = parseRuntimeLine(line);
    if (!parsed.ok) {
      const preview = line.length > 120 ? `${line.slice(0, 119)}…` : line;
      this.note(`[studio] ignored a stdout line that is not a protocol message (${parsed.error}): ${preview}`);
      return;
    }
    const { message } = parsed;
    if (message.type === 'finished') this.finished = message;
    else if (message.type === 'error') this.error = message;
    try {
      this.options.events.message(message);
    } catch (err) {
      // The reader must not go down with a handler.
      this.note(`[studio] could not handle a ${message.type} message: ${(err as Error).message}`);
    }
  }
}
