/**
 * What goes wrong in real use: a file that is not a model, a model whose output Reticle cannot
 * read, an image that cannot be decoded, the worker dying. Each is a clear error, and the
 * service answers the next request as if nothing happened.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { StudioError } from '@shared';
import { tempDir } from '../../helpers/images.js';
import { until } from '../../helpers/until.js';
import { image, inferenceStudio, model } from './fixtures.js';
import { tinyOnnx } from './onnx-writer.js';
import { InferenceWorkerClient } from '../../../../src-main/services/inference/inference-worker-client.js';
import { resolveWorkerScript } from '../../../../src-main/services/inference/worker-script.js';
import { forkInferenceProcess, type InferenceProcess } from '../../../../src-main/services/inference/inference-process.js';

const GOOD = model('yolo11-detect.onnx');

async function failure(p: Promise<unknown>): Promise<StudioError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StudioError);
  return err as StudioError;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stillWorks(api: ReturnType<typeof inferenceStudio>['api']): Promise<void> {
  const r = await api.inference.predict({ modelPath: GOOD, paths: [image('square.png')], conf: 0.05 });
  expect(r.images[0].error).toBeUndefined();
  expect(r.images[0].detections!.length).toBeGreaterThan(0);
}

describe('bad models', () => {
  it('refuses a file that is not an ONNX model, and keeps serving', async () => {
    const dir = tempDir();
    const { api } = inferenceStudio();
    const junk = path.join(dir, 'junk.onnx');
    fs.writeFileSync(junk, Buffer.from('this is not a model, just some text that ends here\n'.repeat(20)));
    const err = await failure(api.inference.loadModel({ path: junk }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/junk\.onnx is not (an|a usable) ONNX model/);
    await stillWorks(api);

    const truncated = path.join(dir, 'truncated.onnx');
    fs.writeFileSync(truncated, fs.readFileSync(GOOD).subarray(0, 200_000));
    expect((await failure(api.inference.loadModel({ path: truncated }))).code).toBe('invalid_input');

    expect((await failure(api.inference.loadModel({ path: path.join(dir, 'missing.onnx') }))).code).toBe('not_found');
    expect((await failure(api.inference.loadModel({ path: dir }))).message).toMatch(/is a folder/);
    await stillWorks(api);
  });

  it('refuses a model that is a link to a device (/dev/zero) at once, never reading it', async () => {
    const { api } = inferenceStudio();
    const link = path.join(tempDir(), 'endless.onnx');
    fs.symlinkSync('/dev/zero', link);
    const err = await failure(api.inference.loadModel({ path: link }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/The model .*endless\.onnx is a character device, not a regular file/);
    await stillWorks(api);
  }, 20_000);

  it('refuses a model whose output is not a YOLO detection or classification output', async () => {
    const dir = tempDir();
    const { api } = inferenceStudio();
    const identity = path.join(dir, 'identity.onnx');
    fs.writeFileSync(identity, tinyOnnx({ op: 'Identity', input: [1, 3, 32, 32], output: [1, 3, 32, 32], metadata: { task: 'detect', names: "{0: 'cat'}", imgsz: '[32, 32]' } }));
    const err = await failure(api.inference.loadModel({ path: identity }));
    expect(err.code).toBe('unsupported');
    expect(err.message).toMatch(/output has shape \(1, 3, 32, 32\)/);
    expect(err.message).toMatch(/Ultralytics YOLO outputs/);

    const segment = path.join(dir, 'segment.onnx');
    fs.writeFileSync(segment, tinyOnnx({ op: 'Identity', input: [1, 3, 8, 8], output: [1, 3, 8, 8], metadata: { task: 'segment' } }));
    expect((await failure(api.inference.loadModel({ path: segment }))).message).toMatch(/segment model; Reticle predicts with detection and classification/);

    const noMeta = path.join(dir, 'no-metadata.onnx');
    fs.writeFileSync(noMeta, tinyOnnx({ op: 'Identity', input: [1, 3, 8, 8], output: [1, 3, 8, 8] }));
    expect((await failure(api.inference.loadModel({ path: noMeta }))).code).toBe('unsupported');

    // A (1, N) output whose N disagrees with the class names in the metadata.
    const mismatch = path.join(dir, 'mismatch.onnx');
    fs.writeFileSync(mismatch, tinyOnnx({ op: 'Flatten', input: [1, 3, 2, 2], output: [1, 12], metadata: { task: 'classify', names: "{0: 'a', 1: 'b'}" } }));
    expect((await failure(api.inference.loadModel({ path: mismatch }))).message).toMatch(/shape \(1, 12\), but its metadata names 2 classes/);
    await stillWorks(api);
  });
});

describe('bad images', () => {
  it('reports an image that cannot be decoded or found, and predicts on the others', async () => {
    const dir = tempDir();
    const { api } = inferenceStudio();
    const text = path.join(dir, 'notes.jpg');
    fs.writeFileSync(text, 'not a picture');
    const empty = path.join(dir, 'empty.png');
    fs.writeFileSync(empty, '');
    const r = await api.inference.predict({ modelPath: GOOD, paths: [text, image('wide.png'), empty, path.join(dir, 'gone.png')], conf: 0.05 });
    expect(r.images.map((i) => i.error?.code ?? 'ok')).toEqual(['invalid_input', 'ok', 'invalid_input', 'not_found']);
    expect(r.images[0].error!.message).toMatch(/Cannot decode notes\.jpg as an image/);
    expect(r.images[2].error!.message).toMatch(/empty/);
    expect(r.images[1].detections!.length).toBeGreaterThan(0);
    await stillWorks(api);
  });
});

describe('the worker', () => {
  /** A stand-in worker process (not the real one): answers with the path, and `behaviour` on the second request. */
  function standIn(behaviour: string): string {
    const script = path.join(tempDir(), 'stand-in.mjs');
    fs.writeFileSync(
      script,
      `let n = 0;
process.on('message', (m) => {
  if (m.type === 'shutdown') return process.disconnect();
  if (++n === 2) return ${behaviour};
  process.send({ id: m.id, ok: true, value: m.path });
});
process.send({ ready: true });`,
    );
    return script;
  }

  it('says so when the worker cannot start, and tries again on the next request', async () => {
    const script = path.join(tempDir(), 'broken.mjs');
    fs.writeFileSync(script, `throw new Error('cannot load the native module');`);
    const client = new InferenceWorkerClient({ script });
    const err = await failure(client.request({ type: 'unload', path: '/a' }));
    expect(err.message).toMatch(/inference worker could not start \(exit code 1\)/);
    await failure(client.request({ type: 'unload', path: '/a' }));
    expect(client.starts).toBe(2);
    await client.dispose();
  });

  it('fails the requests it held when it dies, then starts afresh on the next one', async () => {
    const client = new InferenceWorkerClient({ script: standIn("setTimeout(() => { throw new Error('boom'); }, 5)") });
    expect(await client.request({ type: 'unload', path: '/a' })).toBe('/a');
    const err = await failure(client.request({ type: 'unload', path: '/b' }));
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(/inference worker stopped while working \(exit code 1\); it starts again on the next request/);
    expect(await client.request({ type: 'unload', path: '/c' })).toBe('/c');
    expect(client.starts).toBe(2);
    await client.dispose();
    await expect(client.request({ type: 'unload', path: '/d' })).rejects.toMatchObject({ code: 'internal' });
  });

  it('shut down while the worker starts: the worker is ended too, no process is left behind', async () => {
    // A worker that says it is ready only once the test lets it: the shutdown comes before.
    const dir = tempDir();
    const script = path.join(dir, 'slow-start.mjs');
    const go = path.join(dir, 'go');
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';
process.on('message', (m) => { if (m.type === 'shutdown') process.disconnect(); });
const wait = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(wait); process.send({ ready: true }); } }, 5);`,
    );
    const launched: InferenceProcess[] = [];
    const client = new InferenceWorkerClient({ script, launch: (s) => (launched.push(forkInferenceProcess(s)), launched[0]) });
    const request = failure(client.request({ type: 'unload', path: '/a' }));
    await until('the worker to be launched', () => launched.length === 1);
    const pid = launched[0].pid!;
    expect(alive(pid)).toBe(true);
    const disposed = client.dispose(5000);
    fs.writeFileSync(go, '');
    await disposed;
    // dispose resolves once the process has ended, not before.
    expect(alive(pid)).toBe(false);
    expect((await request).message).toMatch(/shut down/);
  });

  it('survives a native crash in the worker (a segfault): the studio goes on, the worker restarts', async () => {
    // In a worker thread this would end the test runner itself.
    const client = new InferenceWorkerClient({ script: standIn("process.kill(process.pid, 'SIGSEGV')") });
    expect(await client.request({ type: 'unload', path: '/a' })).toBe('/a');
    const err = await failure(client.request({ type: 'unload', path: '/b' }));
    expect(err.message).toMatch(/stopped while working \(killed by SIGSEGV\)/);
    expect(await client.request({ type: 'unload', path: '/c' })).toBe('/c');
    expect(client.starts).toBe(2);
    await client.dispose();
  });

  it('the real worker killed mid-prediction: that request fails clearly, the next one loads the model again', async () => {
    const { api, studio } = inferenceStudio();
    await stillWorks(api);
    const client = studio.inference.workerClient;
    // Killed as the prediction is handed to it: the worker has it and cannot have answered.
    const request = client.request.bind(client);
    const spy = vi.spyOn(client, 'request').mockImplementation((message) => {
      const answer = request(message);
      if (message.type === 'predict' && spy.mock.calls.filter(([m]) => m.type === 'predict').length === 1) process.kill(client.pid!, 'SIGKILL');
      return answer;
    });
    const err = await failure(api.inference.predict({ modelPath: GOOD, paths: Array.from({ length: 200 }, () => image('odd-size.png')) }));
    spy.mockRestore();
    expect(err.message).toMatch(/inference worker stopped while working \(killed by SIGKILL\)/);
    await stillWorks(api);
    expect(client.starts).toBe(2);
  });

  it('ends with the studio: a worker busy when the studio dies stops at once', async () => {
    // The studio here is a child Node process that starts the real worker on a long prediction,
    // prints the worker's pid, and is killed.
    const dir = tempDir();
    const parent = path.join(dir, 'studio.mjs');
    fs.writeFileSync(
      parent,
      `import { fork } from 'node:child_process';
const w = fork(${JSON.stringify(await resolveWorkerScript())}, [], { serialization: 'advanced' });
w.on('message', (m) => {
  if (m.ready) return w.send({ id: 1, type: 'load', path: ${JSON.stringify(GOOD)}, providers: ['cpu'] });
  if (m.id !== 1) return;
  const options = { conf: 0.25, iou: 0.7, maxDet: 300, topK: 5, floor: 0.25, candidates: false, classIds: [] };
  w.send({ id: 2, type: 'predict', path: ${JSON.stringify(GOOD)}, providers: ['cpu'], images: Array(50000).fill(${JSON.stringify(image('odd-size.png'))}), options }, () => console.log(w.pid));
});`,
    );
    const studioProcess = spawn(process.execPath, [parent], { stdio: ['ignore', 'pipe', 'inherit'] });
    const workerPid = Number(await new Promise<string>((resolve) => studioProcess.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    try {
      expect(alive(workerPid)).toBe(true);
      studioProcess.kill('SIGKILL');
      // 50,000 predictions take minutes: a worker that waited for them would still be here when
      // the hang guard (30 s) runs out.
      await until('the worker to end with its studio', () => !alive(workerPid));
    } finally {
      if (alive(workerPid)) process.kill(workerPid, 'SIGKILL');
    }
  });

  it('shuts down gently while it works: what it was running ends, nothing aborts', async () => {
    const { api, studio } = inferenceStudio();
    await stillWorks(api);
    const client = studio.inference.workerClient;
    const asked = vi.spyOn(client, 'request');
    const busy = api.inference.predict({ modelPath: GOOD, paths: Array.from({ length: 6 }, () => image('odd-size.png')) });
    // Shut down once the prediction is with the worker.
    await until('the prediction to reach the worker', () => asked.mock.calls.some(([m]) => m.type === 'predict'));
    asked.mockRestore();
    await studio.inference.dispose();
    const r = await busy;
    expect(r.images).toHaveLength(6);
    expect(r.images.every((i) => !i.error)).toBe(true);
  });

  it('never runs a model on the main thread: the event loop stays free while it works', async () => {
    const { api, studio } = inferenceStudio();
    await stillWorks(api);
    // The model lives in a process of its own.
    const worker = studio.inference.workerClient.pid;
    expect(worker).toBeDefined();
    expect(worker).not.toBe(process.pid);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await api.inference.predict({ modelPath: GOOD, paths: Array.from({ length: 30 }, () => image('square.png')) });
    clearInterval(timer);
    // 30 images go to the worker in 4 requests, each answered after its images ran there: a loop
    // left free ticks between the answers (a loop the model blocked would tick about once).
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
});
