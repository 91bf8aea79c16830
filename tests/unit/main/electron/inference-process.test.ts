/**
 * The desktop app's inference worker, an Electron utility process: the real worker script runs
 * through it (in a Node child, with the test double's stand-in for Electron's parentPort), loads
 * a real model and predicts; a crash of that process fails its requests and the next request
 * starts another.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StudioError } from '@shared';
import { utilityInferenceProcess } from '../../../../src-main/electron/inference-process';
import { InferenceWorkerClient } from '../../../../src-main/services/inference/inference-worker-client';
import { WORKER_MALLOC_TUNABLES } from '../../../../src-main/services/inference/inference-process';
import { resolveWorkerScript } from '../../../../src-main/services/inference/worker-script';
import { DEFAULT_PREDICT_OPTIONS } from '../../../../src-main/services/inference/model-session';
import type { ImageOutcome, LoadedModel } from '../../../../src-main/services/inference/worker-protocol';
import { image, model } from '../inference/fixtures';

const electron = await vi.hoisted(async () => (await import('./electron-test-double')).createElectronDouble());
vi.mock('electron', () => electron.module);

const GOOD = model('yolo11-detect.onnx');
const clients: InferenceWorkerClient[] = [];

async function client(): Promise<InferenceWorkerClient> {
  electron.reset();
  electron.app.becomeReady();
  const c = new InferenceWorkerClient({ script: await resolveWorkerScript(), launch: utilityInferenceProcess });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose(2000)));
});

describe('the inference worker in a utility process', () => {
  it('loads a model and predicts through Electron’s parentPort, then ends when the app shuts it down', async () => {
    const c = await client();
    const loaded = await c.request<LoadedModel>({ type: 'load', path: GOOD, providers: ['cpu'] });
    expect(loaded.task).toBe('detect');
    const [outcome] = await c.request<ImageOutcome[]>({ type: 'predict', path: GOOD, providers: ['cpu'], images: [image('square.png')], options: { ...DEFAULT_PREDICT_OPTIONS, conf: 0.05 } });
    expect(outcome.ok && outcome.detections!.length).toBeGreaterThan(0);
    const [launched] = electron.FakeUtilityProcess.instances.slice(-1);
    expect(launched.modulePath).toBe(await resolveWorkerScript());
    expect(launched.options.serviceName).toBe('Reticle inference');
    if (process.platform === 'linux') expect(launched.options.env.GLIBC_TUNABLES).toContain(WORKER_MALLOC_TUNABLES);
    const exited = new Promise<number>((resolve) => launched.once('exit', resolve));
    await c.dispose();
    expect(await exited).toBe(0);
  });

  it('a crashed utility process fails what it held; the next request starts a new one', async () => {
    const c = await client();
    await c.request({ type: 'load', path: GOOD, providers: ['cpu'] });
    const busy = c.request({ type: 'predict', path: GOOD, providers: ['cpu'], images: Array(300).fill(image('odd-size.png')), options: DEFAULT_PREDICT_OPTIONS });
    // Killed as the request goes out: it is held before the death can be noticed (the exit comes
    // as an event, later), and the worker cannot have answered it.
    process.kill(c.pid!, 'SIGKILL');
    const err = await busy.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).message).toMatch(/inference worker stopped while working \(exit code -?\d+\); it starts again on the next request/);
    const again = await c.request<LoadedModel>({ type: 'load', path: GOOD, providers: ['cpu'] });
    expect(again.names.length).toBeGreaterThan(0);
    expect(c.starts).toBe(2);
  });
});
