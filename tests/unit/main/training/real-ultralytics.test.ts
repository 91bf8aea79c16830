/**
 * `reticle train` with a real Ultralytics: set ULTRALYTICS_PYTHON to an interpreter that can
 * `import ultralytics` (see README). Without it these tests are skipped, and say so. A small
 * generated project (40 images of 128 px, two classes) trains for 2 epochs on the CPU; every
 * epoch's metrics are stored, best.pt and its ONNX export exist; a run stopped with Ctrl-C resumes.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunArtifact, RunDetail, RunSummary } from '@shared';
import { ensureCliBuilt, reticle, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/images.js';
import { squaresProject } from './squares-project.js';

const PYTHON = process.env.ULTRALYTICS_PYTHON;
if (!PYTHON) console.log('skipped: ULTRALYTICS_PYTHON is not set, so `reticle train` with real Ultralytics was not tried');

const env = () => ({ ULTRALYTICS_PYTHON: PYTHON!, RETICLE_HOME: tempDir('reticle-home-') });

function lastResult(stdout: string): { run: RunSummary; artifacts: RunArtifact[] } {
  const lines = stdout.split('\n').filter((l) => l.trim());
  return JSON.parse(lines[lines.length - 1]) as { run: RunSummary; artifacts: RunArtifact[] };
}

describe('reticle train with real Ultralytics', () => {
  beforeAll(() => {
    if (PYTHON) ensureCliBuilt();
  }, 120_000);

  it.skipIf(!PYTHON)('trains 2 epochs on the CPU, stores every epoch, and exports best.pt to ONNX', async () => {
    const home = env();
    const dir = await squaresProject(home);
    let t = Date.now();
    const r = reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '2', '--imgsz', '128', '--batch', '8', '--device', 'cpu', '--json'], home);
    const trainSeconds = (Date.now() - t) / 1000;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const { run } = lastResult(r.stdout);
    expect(run).toMatchObject({ status: 'completed', epochsDone: 2, device: 'cpu' });

    const detail = reticleJson<RunDetail>(['runs', dir, run.id], home);
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of detail.epochLog) {
      expect(Object.keys(e.losses).sort()).toEqual(['train/box_loss', 'train/cls_loss', 'train/dfl_loss']);
      expect(e.metrics).toMatchObject({ 'metrics/mAP50(B)': expect.any(Number), 'metrics/mAP50-95(B)': expect.any(Number), 'val/box_loss': expect.any(Number) });
      expect(e.lr['lr/pg0']).toEqual(expect.any(Number));
    }
    expect(detail.results?.perClass.map((c) => c.class)).toEqual(['red', 'blue']);
    const best = detail.artifacts.find((a) => a.kind === 'best')!;
    expect(fs.statSync(best.path).size).toBeGreaterThan(1_000_000);

    t = Date.now();
    const onnx = reticleJson<RunArtifact>(['export-model', dir, run.id, '--format', 'onnx'], home);
    const exportSeconds = (Date.now() - t) / 1000;
    expect(onnx).toMatchObject({ kind: 'onnx' });
    expect(fs.statSync(onnx.path).size).toBe(onnx.bytes);
    expect(onnx.bytes).toBeGreaterThan(1_000_000);
    console.log(`real Ultralytics: reticle train (40 images, 128 px, 2 epochs, cpu) ${trainSeconds.toFixed(1)} s; export-model onnx ${exportSeconds.toFixed(1)} s`);
  }, 300_000);

  it.skipIf(!PYTHON)('Ctrl-C stops a run cleanly, and resume trains the rest', async () => {
    const home = env();
    const dir = await squaresProject(home);
    const started = Date.now();
    const child = spawnReticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '4', '--imgsz', '128', '--batch', '8', '--device', 'cpu', '--json'], home);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('"type":"epoch"')) resolve();
      });
      child.on('close', () => reject(new Error(`ended before an epoch: ${stderr.slice(-2000)}`)));
    });
    const stopAt = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const stopSeconds = (Date.now() - stopAt) / 1000;
    expect(code, stderr.slice(-3000)).toBe(130);
    const stopped = lastResult(stdout).run;
    expect(stopped).toMatchObject({ status: 'stopped', resumable: true });
    expect(stopped.epochsDone).toBeLessThan(4);

    const r = reticle(['resume', dir, stopped.id, '--json'], home);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(lastResult(r.stdout).run).toMatchObject({ status: 'completed', epochsDone: 4 });
    const detail = reticleJson<RunDetail>(['runs', dir, stopped.id], home);
    expect(detail.epochLog.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    console.log(
      `real Ultralytics: stop after epoch 1 took ${stopSeconds.toFixed(1)} s to end cleanly (epoch ${stopped.epochsDone} ${stopped.epochsDone > 1 ? 'cut short' : ''}); ` +
        `stop + resume to 4 epochs ${((Date.now() - started) / 1000).toFixed(1)} s in all`,
    );
  }, 300_000);
});
