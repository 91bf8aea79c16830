/**
 * Starting `python -m reticle_runtime <command>` and reading what it says: protocol lines on
 * stdout (one JSON object each, see src-shared/runtime-protocol.ts), a log on stderr. Shared by
 * the runtime check, the trainer and model export.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import path from 'node:path';
import { MAX_RUNTIME_LINE_LENGTH, StudioError, parseRuntimeLine, type ErrorCode, type RuntimeMessage } from '@shared';
import { STUDIO_CODE } from './runtime-error-codes.js';

/** The environment every runtime process gets: the runtime package on PYTHONPATH, unbuffered UTF-8. */
export function runtimeProcessEnv(runtimeDir: string, base: NodeJS.ProcessEnv = process.env, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = base.PYTHONPATH ? base.PYTHONPATH.split(path.delimiter).filter(Boolean) : [];
  return {
    ...base,
    PYTHONPATH: [runtimeDir, ...inherited].join(path.delimiter),
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    // The runtime sets it too; set here as well so no import-time check ever tries pip.
    YOLO_AUTOINSTALL: 'false',
    ...extra,
  };
}

interface SpawnRuntimeOptions {
  python: string;
  runtimeDir: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Its own process group (POSIX): a Ctrl-C in the terminal then reaches only the studio, which
   * stops the trainer once, politely. The runtime reads a second SIGINT as "interrupt now".
   */
  ownGroup?: boolean;
}

export function spawnRuntime(options: SpawnRuntimeOptions): ChildProcess {
  return spawn(options.python, ['-m', 'reticle_runtime', ...options.args], {
    cwd: options.cwd ?? options.runtimeDir,
    env: runtimeProcessEnv(options.runtimeDir, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: Boolean(options.ownGroup) && process.platform !== 'win32',
    windowsHide: true,
  });
}

/**
 * Splits a byte stream into lines. A line longer than `maxLength` (a runaway writer) is not
 * buffered whole: it is reported by its length once its newline arrives.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overflow = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: (length: number) => void = () => undefined,
    private readonly maxLength = MAX_RUNTIME_LINE_LENGTH,
  ) {}

  push(chunk: Buffer | string): void {
    this.take(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  end(): void {
    this.take(this.decoder.end());
    if (this.overflow > 0 || this.partial.length > 0) this.flush();
  }

  private take(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const piece = nl === -1 ? text.slice(start) : text.slice(start, nl);
      if (this.overflow > 0) this.overflow += piece.length;
      else if (this.partial.length + piece.length > this.maxLength) {
        this.overflow = this.partial.length + piece.length;
        this.partial = '';
      } else this.partial += piece;
      if (nl === -1) return;
      this.flush();
      start = nl + 1;
    }
  }

  private flush(): void {
    if (this.overflow > 0) this.onTooLong(this.overflow);
    else this.onLine(this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial);
    this.partial = '';
    this.overflow = 0;
  }
}

/**
 * The last lines of a log. Progress bars redraw one line with `\r`: only the last drawing of
 * such a line is kept, so a tail of 200 lines is not 200 frames of one bar.
 */
export class LogTail {
  private readonly lines: string[] = [];
  private readonly splitter: LineSplitter;

  constructor(
    private readonly max = 200,
    private readonly maxLineLength = 2000,
  ) {
    this.splitter = new LineSplitter(
      (line) => this.add(line),
      (length) => this.add(`(a log line of ${length} characters was left out)`),
      1024 * 1024,
    );
  }

  push(chunk: Buffer | string): void {
    this.splitter.push(chunk);
  }

  /** Adds a line of the studio's own (a note about the run). */
  note(line: string): void {
    this.add(line);
  }

  end(): void {
    this.splitter.end();
  }

  get(): string[] {
    return [...this.lines];
  }

  /** The last `n` lines that say something. */
  last(n: number): string[] {
    return this.lines.filter((l) => l.trim() !== '').slice(-n);
  }

  private add(raw: string): void {
    const frames = raw.split('\r').filter((f) => f.trim() !== '');
    let line = frames.length > 0 ? frames[frames.length - 1] : '';
    line = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
    if (line.length > this.maxLineLength) line = `${line.slice(0, this.maxLineLength - 1)}…`;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
}

export interface RuntimeCommandResult {
  messages: RuntimeMessage[];
  /** Lines on stdout that were not protocol messages, with why. */
  badLines: string[];
  stderr: LogTail;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the interpreter could not be started at all (ENOENT, EACCES...). */
  spawnError: NodeJS.ErrnoException | null;
}

interface RunRuntimeCommandOptions extends SpawnRuntimeOptions {
  timeoutMs?: number;
  /** Ends the command: SIGKILL at once, or SIGTERM first when `abortGraceMs` is set. */
  signal?: AbortSignal;
  /** After an abort, how long the command may take to stop by itself before it is killed. */
  abortGraceMs?: number;
  onMessage?: (message: RuntimeMessage) => void;
  /** Which messages `messages` keeps (default: all): a long stream hands the rest to `onMessage` only. */
  keep?: (message: RuntimeMessage) => boolean;
}

/** Runs a short runtime command (env, export) to its end and collects what it said. */
export function runRuntimeCommand(options: RunRuntimeCommandOptions): Promise<RuntimeCommandResult> {
  return new Promise((resolve) => {
    const result: RuntimeCommandResult = { messages: [], badLines: [], stderr: new LogTail(200), code: null, signal: null, timedOut: false, spawnError: null };
    let child: ChildProcess;
    try {
      child = spawnRuntime(options);
    } catch (err) {
      result.spawnError = err as NodeJS.ErrnoException;
      resolve(result);
      return;
    }
    const stdout = new LineSplitter(
      (line) => {
        if (!line.trim()) return;
        const parsed = parseRuntimeLine(line);
        if (parsed.ok) {
          if (options.keep?.(parsed.message) ?? true) result.messages.push(parsed.message);
          options.onMessage?.(parsed.message);
        } else result.badLines.push(parsed.error);
      },
      (length) => result.badLines.push(`line too long: ${length} characters`),
    );
    child.stdout!.on('data', (c: Buffer) => stdout.push(c));
    child.stderr!.on('data', (c: Buffer) => result.stderr.push(c));
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          result.timedOut = true;
          kill();
        }, options.timeoutMs)
      : null;
    let grace: NodeJS.Timeout | null = null;
    const onAbort = () => {
      if (options.abortGraceMs === undefined || child.exitCode !== null || child.signalCode !== null) return kill();
      child.kill('SIGTERM');
      grace = setTimeout(kill, options.abortGraceMs);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      result.spawnError = err as NodeJS.ErrnoException;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      options.signal?.removeEventListener('abort', onAbort);
      stdout.end();
      result.stderr.end();
      result.code = code;
      result.signal = signal;
      resolve(result);
    });
  });
}

/** Says how a process ended, for a person: "exit status 1", "killed by SIGKILL". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL' || code === 137) return `it was killed (${signal ?? 'exit status 137'}): the system may have run out of memory, or something ended it from outside`;
  if (signal === 'SIGSEGV' || code === 139 || code === -1073741819) return 'it crashed (segmentation fault)';
  if (signal === 'SIGABRT' || code === 134) return 'it aborted (SIGABRT)';
  if (signal) return `it was ended by ${signal}`;
  return `it exited with status ${code}`;
}

/**
 * Why a runtime command gave no answer, for a person: the runtime's own `error` (its code as the
 * contract's, its message and hint), else how the process ended (`fallback`, with `what` first and
 * the log's last lines).
 */
export function runtimeCommandFailure(result: RuntimeCommandResult, what: string, fallback: ErrorCode = 'internal'): StudioError {
  const error = result.messages.find((m) => m.type === 'error');
  if (error && error.type === 'error') return new StudioError(STUDIO_CODE[error.code], [error.message, error.hint].filter(Boolean).join(' '));
  const why = result.spawnError ? `its Python could not be started (${result.spawnError.message})` : result.timedOut ? 'it took too long' : describeExit(result.code, result.signal);
  return new StudioError(fallback, `${what}: ${why}. ${result.stderr.last(3).join(' · ')}`.trim());
}
