/**
 * The main thread's side of the inference worker: requests by id, answers as promises. The
 * worker starts on first use; if it dies (a native crash, an out-of-memory), the requests it held
 * fail with a clear error and the next request starts a fresh worker, which loads its models again.
 * An idle worker does not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { StudioError, type ErrorPayload } from '@shared';
import { resolveWorkerScript } from './worker-script.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export interface InferenceWorkerOptions {
  /** The worker script; default: shipped beside the bundle, or built from the sources. */
  script?: string;
}

export class InferenceWorkerClient {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** How many workers were started: 2 or more means one crashed or was restarted. */
  starts = 0;

  constructor(private readonly options: InferenceWorkerOptions = {}) {}

  request<T>(message: Request): Promise<T> {
    if (this.disposed) return Promise.reject(new StudioError('internal', 'The inference service has been shut down.'));
    return this.ensure().then(
      (worker) =>
        new Promise<T>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
          worker.ref();
          worker.postMessage({ ...message, id });
        }),
    );
  }

  private ensure(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= (async () => {
      const script = this.options.script ?? (await resolveWorkerScript());
      const worker = new Worker(script, { name: 'reticle-inference' });
      this.starts++;
      worker.on('message', (reply: WorkerReply) => this.onReply(reply));
      worker.on('error', (err) => this.onExit(worker, err));
      worker.on('exit', (code) => this.onExit(worker, new Error(`exit code ${code}`)));
      worker.unref();
      this.worker = worker;
      return worker;
    })().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve(reply.value);
    else p.reject(fromPayload(reply.error));
  }

  private onExit(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    if (this.disposed) return;
    for (const p of failed) {
      p.reject(new StudioError('internal', `The inference worker stopped while working (${err.message}); it starts again on the next request.`, { cause: err }));
    }
  }

  /**
   * Stops the worker once it has answered what it was asked (never cutting ONNX Runtime or sharp
   * short, which can abort the process); terminates it only if it does not end within `graceMs`.
   */
  async dispose(graceMs = 10_000): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    if (w) {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.ref();
      w.postMessage({ id: 0, type: 'shutdown' } satisfies WorkerRequest);
      const timer = setTimeout(() => void w.terminate(), graceMs);
      await exited;
      clearTimeout(timer);
    }
    for (const p of this.pending.values()) p.reject(new StudioError('cancelled', 'The inference service was shut down.'));
    this.pending.clear();
  }
}

function fromPayload(error: ErrorPayload): StudioError {
  return new StudioError(error.code, error.message);
}
