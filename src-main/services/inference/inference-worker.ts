/**
 * The inference worker, a process of its own (inference-process.ts): ONNX Runtime's
 * `session.run` blocks the thread it is called on, so models run here and never on the studio's
 * event loop, and a native crash here does not take the studio with it. Images are decoded here
 * too (sharp works on its own threads): while one image runs, the next one decodes.
 *
 * Sessions are cached by model path (a changed file is loaded afresh), at most a few at once.
 * Every request is answered, failures as `{ code, message }`, and the worker keeps serving.
 */
import fs from 'node:fs';
import { StudioError, toErrorPayload, type ExecutionProvider } from '@shared';
import { ModelSession, timedDecode } from './model-session.js';
import type { BenchmarkResult, ImageOutcome, WorkerMessage, WorkerRequest } from './worker-protocol.js';

const MAX_SESSIONS = 4;
const sessions = new Map<string, ModelSession>();
const loading = new Map<string, Promise<ModelSession>>();

function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(path);
  } catch {
    return null;
  }
}

async function session(path: string, providers: ExecutionProvider[]): Promise<ModelSession> {
  const cached = sessions.get(path);
  if (cached) {
    // A stat at once, not through the thread pool: this thread is there to block.
    const stat = statOrNull(path);
    if (stat && stat.mtimeMs === cached.mtimeMs) {
      // Most recently used last.
      sessions.delete(path);
      sessions.set(path, cached);
      return cached;
    }
    sessions.delete(path);
    void cached.exclusive(() => cached.release()).catch(() => undefined);
  }
  let pending = loading.get(path);
  if (!pending) {
    pending = ModelSession.load(path, providers);
    loading.set(path, pending);
  }
  try {
    const loaded = await pending;
    sessions.set(path, loaded);
    while (sessions.size > MAX_SESSIONS) {
      const [oldest, s] = sessions.entries().next().value as [string, ModelSession];
      sessions.delete(oldest);
      // After whatever it is running: a session released mid-run takes the process down.
      void s.exclusive(() => s.release()).catch(() => undefined);
    }
    return loaded;
  } finally {
    loading.delete(path);
  }
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'load':
      return (await session(request.path, request.providers)).info;
    case 'unload': {
      const s = sessions.get(request.path);
      sessions.delete(request.path);
      if (s) await s.exclusive(() => s.release());
      return null;
    }
    case 'predict': {
      const model = await session(request.path, request.providers);
      const outcomes: ImageOutcome[] = [];
      const start = (file: string) => {
        const p = timedDecode(file);
        p.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
        return p;
      };
      let next = request.images.length ? start(request.images[0]) : null;
      for (let i = 0; i < request.images.length; i++) {
        const current = next!;
        next = i + 1 < request.images.length ? start(request.images[i + 1]) : null;
        outcomes.push(await model.predict(current, request.options));
      }
      return outcomes;
    }
    case 'benchmark': {
      const model = await session(request.path, request.providers);
      const { image } = await timedDecode(request.image);
      return model.exclusive(async () => {
        const { tensor } = model.prepare(image);
        const runs: number[] = [];
        for (let i = 0; i < request.runs; i++) {
          const t = performance.now();
          await model.run(tensor);
          runs.push(performance.now() - t);
        }
        return { runs } satisfies BenchmarkResult;
      });
    }
    default:
      throw new StudioError('internal', `unknown inference request ${request.type}`);
  }
}

/** The channel to the studio: Electron's parentPort in a utility process, Node's IPC in a fork. */
interface StudioChannel {
  onMessage(listener: (request: WorkerRequest) => void): void;
  post(message: WorkerMessage): void;
  /** Ends this process, once what was posted has gone. */
  end(): void;
}

function studioChannel(): StudioChannel {
  const electronPort = (process as { parentPort?: { on(e: 'message', l: (event: { data: WorkerRequest }) => void): void; postMessage(m: unknown): void } }).parentPort;
  if (electronPort) {
    return {
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data)),
      post: (message) => electronPort.postMessage(message),
      end: () => setImmediate(() => process.exit(0)),
    };
  }
  if (process.send && process.connected) {
    // The studio has gone (it crashed or was killed): nobody is left to answer.
    process.on('disconnect', () => process.exit(0));
    return {
      onMessage: (listener) => process.on('message', (request) => listener(request as WorkerRequest)),
      post: (message) => void process.send?.(message),
      end: () => {
        process.removeAllListeners('disconnect');
        process.disconnect();
      },
    };
  }
  throw new Error('inference-worker runs in a process the studio starts (an Electron utility process or a Node fork)');
}

const port = studioChannel();
let inFlight = 0;
let closing = false;

/**
 * Ends the process the gentle way: once no request is in flight, the sessions are released and
 * the channel closed. Killing it from outside while ONNX Runtime or sharp is in native code is
 * the last resort of the studio's shutdown.
 */
async function closeWhenIdle(): Promise<void> {
  if (!closing || inFlight > 0) return;
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.allSettled(all.map((s) => s.exclusive(() => s.release())));
  port.end();
}

port.onMessage((request) => {
  if (request.type === 'shutdown') {
    closing = true;
    void closeWhenIdle();
    return;
  }
  inFlight++;
  handle(request)
    .then(
      (value) => port.post({ id: request.id, ok: true, value }),
      (err: unknown) => port.post({ id: request.id, ok: false, error: toErrorPayload(err) }),
    )
    .finally(() => {
      inFlight--;
      void closeWhenIdle();
    });
});
port.post({ ready: true });
