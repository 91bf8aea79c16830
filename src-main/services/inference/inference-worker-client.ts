/**
 * The studio's side of the inference worker: requests by id, answers as promises. The worker is
 * a process of its own (inference-process.ts) and starts on first use; if it dies (a native
 * crash, an out-of-memory, a kill), the requests it held fail with a clear error and the next
 * request starts a fresh one, which loads its models again. An idle worker does not keep the
 * studio's process alive.
 */
import { StudioError, type ErrorPayload } from '@shared';
import { forkInferenceProcess, type InferenceProcess, type InferenceProcessLauncher } from './inference-process.js';
import { resolveWorkerScript } from './worker-script.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface InferenceWorkerOptions {
  /** The worker script; default: shipped beside the bundle, or built from the sources. */
  script?: string;
  /** How the worker's process is started; default: a child Node process. */
  launch?: InferenceProcessLauncher;
}

export class InferenceWorkerClient {
  private worker: InferenceProcess | null = null;
  private starting: Promise<InferenceProcess> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** Who waits for a process to end (dispose). */
  private readonly exited = new WeakMap<InferenceProcess, () => void>();
  /** How many workers were started: 2 or more means one crashed or was restarted. */
  starts = 0;

  constructor(private readonly options: InferenceWorkerOptions = {}) {}

  /** The running worker's process id, or undefined when none runs (tests, diagnostics). */
  get pid(): number | undefined {
    return this.worker?.pid;
  }

  request<T>(message: Request): Promise<T> {
    if (this.disposed) return Promise.reject(new StudioError('internal', 'The inference service has been shut down.'));
    return this.ensure().then(
      (worker) =>
        new Promise<T>((resolve, reject) => {
          const id = this.nextId++;
          this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
          worker.hold(true);
          worker.send({ ...message, id } as WorkerRequest);
        }),
    );
  }

  private ensure(): Promise<InferenceProcess> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= (async () => {
      const script = this.options.script ?? (await resolveWorkerScript());
      const worker = (this.options.launch ?? forkInferenceProcess)(script);
      this.starts++;
      // Requests go once it listens: one sent while its modules load could be lost.
      const ready = new Promise<void>((resolve, reject) => {
        worker.onMessage((message) => ('ready' in message ? resolve() : this.onReply(message)));
        worker.onExit((why) => {
          reject(new StudioError('internal', `The inference worker could not start (${why}).`));
          this.onExit(worker, why);
        });
      });
      worker.hold(true);
      await ready;
      worker.hold(false);
      this.worker = worker;
      // Shut down while it started: dispose, which waited for this, ends it.
      if (this.disposed) throw new StudioError('internal', 'The inference service has been shut down.');
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
    if (this.pending.size === 0) this.worker?.hold(false);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(fromPayload(reply.error));
  }

  private onExit(worker: InferenceProcess, why: string): void {
    this.exited.get(worker)?.();
    if (this.worker !== worker) return;
    this.worker = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    if (this.disposed) return;
    for (const p of failed) {
      p.reject(new StudioError('internal', `The inference worker stopped while working (${why}); it starts again on the next request.`));
    }
  }

  /**
   * Stops the worker once it has answered what it was asked (never cutting ONNX Runtime or sharp
   * short, which can abort the process); terminates it only if it does not end within `graceMs`.
   */
  async dispose(graceMs = 10_000): Promise<void> {
    this.disposed = true;
    await this.starting?.catch(() => undefined);
    const w = this.worker;
    this.worker = null;
    if (w) {
      const exited = new Promise<void>((resolve) => this.exited.set(w, resolve));
      w.hold(true);
      w.send({ id: 0, type: 'shutdown' });
      const timer = setTimeout(() => w.kill(), graceMs);
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
