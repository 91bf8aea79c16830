/**
 * What goes wrong in real use: a file that is not a model, a model whose output Reticle cannot
 * read, an image that cannot be decoded, the worker dying. Each is a clear error, and the
 * service answers the next request as if nothing happened.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioError } from '@shared';
import { tempDir } from '../../helpers/images.js';
import { image, inferenceStudio, model } from './fixtures.js';
import { tinyOnnx } from './onnx-writer.js';
import { InferenceWorkerClient } from '../../../../src-main/services/inference/inference-worker-client.js';

const GOOD = model('yolo11-detect.onnx');

async function failure(p: Promise<unknown>): Promise<StudioError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StudioError);
  return err as StudioError;
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
  it('fails the requests it held when it dies, then starts afresh on the next one', async () => {
    // A stand-in worker that dies (an uncaught error) on the second request it gets.
    const script = path.join(tempDir(), 'dies.mjs');
    fs.writeFileSync(
      script,
      `import { parentPort } from 'node:worker_threads';
let n = 0;
parentPort.on('message', (m) => {
  if (m.type === 'shutdown') return parentPort.close();
  if (++n === 2) return setTimeout(() => { throw new Error('boom'); }, 5);
  parentPort.postMessage({ id: m.id, ok: true, value: m.path });
});`,
    );
    const client = new InferenceWorkerClient({ script });
    expect(await client.request({ type: 'unload', path: '/a' })).toBe('/a');
    const err = await failure(client.request({ type: 'unload', path: '/b' }));
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(/inference worker stopped while working \(boom\); it starts again on the next request/);
    expect(await client.request({ type: 'unload', path: '/c' })).toBe('/c');
    expect(client.starts).toBe(2);
    await client.dispose();
    await expect(client.request({ type: 'unload', path: '/d' })).rejects.toMatchObject({ code: 'internal' });
  });

  it('shuts down gently while it works: what it was running ends, nothing aborts', async () => {
    const { api, studio } = inferenceStudio();
    await stillWorks(api);
    const busy = api.inference.predict({ modelPath: GOOD, paths: Array.from({ length: 6 }, () => image('odd-size.png')) });
    await new Promise((r) => setTimeout(r, 20));
    await studio.inference.dispose();
    const r = await busy;
    expect(r.images).toHaveLength(6);
    expect(r.images.every((i) => !i.error)).toBe(true);
  });

  it('never runs a model on the main thread: the event loop stays free while it works', async () => {
    const { api } = inferenceStudio();
    await stillWorks(api);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    await api.inference.predict({ modelPath: GOOD, paths: Array.from({ length: 30 }, () => image('square.png')) });
    const elapsed = Date.now() - started;
    clearInterval(timer);
    // A blocked loop would tick about once for the whole call.
    expect(ticks).toBeGreaterThan(Math.min(10, elapsed / 20));
  });
});
