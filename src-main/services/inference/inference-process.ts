/**
 * The process the inference worker runs in. It is a process of its own, not a thread of the
 * studio's: ONNX Runtime and libvips are native code, and a crash there (a malformed model can
 * make ONNX Runtime fault) ends the process it happens in. In a process of its own, that costs
 * the requests it held and a restart; in a thread, it would take the whole studio down with it.
 *
 * Two hosts launch it: the desktop app as an Electron utility process
 * (src-main/electron/inference-process.ts), `reticle serve`, the CLI and the tests as a child
 * Node process (`forkInferenceProcess`). The worker finds its side of the channel itself
 * (inference-worker.ts).
 */
import { fork } from 'node:child_process';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.js';

export interface InferenceProcess {
  /** The process id, once started (tests, diagnostics). */
  readonly pid: number | undefined;
  send(message: WorkerRequest): void;
  /** What the worker sends (`ready`, then replies), in order. */
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** Called once, when the process has ended, with why: "exit code 1", "killed by SIGSEGV". */
  onExit(listener: (why: string) => void): void;
  /** Whether the process keeps the studio's own process alive: only while it holds requests. */
  hold(held: boolean): void;
  /** Ends it now, work or no work (after the grace of a gentle shutdown has run out). */
  kill(): void;
}

/** Starts the worker script in a process and returns the channel to it. */
export type InferenceProcessLauncher = (script: string) => InferenceProcess;

/** The exit listeners of a launched process: told once, however many ways the end is reported. */
export function exitNotice(): { listen(listener: (why: string) => void): void; end(why: string): void } {
  const listeners: ((why: string) => void)[] = [];
  let ended = false;
  return {
    listen: (listener) => void listeners.push(listener),
    end(why) {
      if (ended) return;
      ended = true;
      for (const listener of listeners) listener(why);
    },
  };
}

/** Why a process ended, from Node's (code, signal) or Electron's exit code. */
export function exitReason(code: number | null, signal?: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
}

/**
 * glibc's allocator, told to keep what is freed (up to 64 MiB) and to serve blocks under 32 MiB
 * from it. Each image gives the worker a 2.7 MB decode buffer (sharp) and a 2.8 MB output copy
 * (onnxruntime-node); by default glibc maps such blocks afresh and unmaps them when freed, and
 * touching the new pages then costs about 7 ms an image on a virtual machine, at random,
 * whenever the garbage collector has handed enough back (bench:predict; README, Performance).
 */
export const WORKER_MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864';

/**
 * The worker's environment: the studio's, plus `WORKER_MALLOC_TUNABLES` on Linux (glibc reads
 * them when a process starts, so only a process of its own can have them). Tunables the user set
 * come after, and win; other systems' allocators ignore the variable, so it is not set there.
 */
export function inferenceWorkerEnv(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return env;
  return { ...env, GLIBC_TUNABLES: env.GLIBC_TUNABLES ? `${WORKER_MALLOC_TUNABLES}:${env.GLIBC_TUNABLES}` : WORKER_MALLOC_TUNABLES };
}

/** The worker as a child Node process, talking over Node's IPC channel (structured clone). */
export const forkInferenceProcess: InferenceProcessLauncher = (script) => {
  const child = fork(script, [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // The studio's own flags (a test runner's loaders, an inspector port) are not the worker's.
    execArgv: [],
    env: inferenceWorkerEnv(),
  });
  const exit = exitNotice();
  child.on('exit', (code, signal) => exit.end(exitReason(code, signal)));
  child.on('error', (err) => {
    // A failed spawn has no exit to follow; a failed send to a dying process is followed by one.
    if (child.pid === undefined) exit.end(`it could not start: ${err.message}`);
  });
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      // A process that has just died fails the send; its exit fails the request.
      if (child.connected) child.send(message, (err) => void err);
    },
    onMessage(listener) {
      child.on('message', (message) => listener(message as WorkerMessage));
    },
    onExit: exit.listen,
    hold(held) {
      if (held) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
};
