/**
 * `reticle train`, `resume`, `runs`, `export-model` and `runtime check` as a user runs them: the
 * built CLI, a real project, the real runtime process with the torch and Ultralytics test doubles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EpochRecord, RunArtifact, RunDetail, RunSummary, RuntimeStatus } from '@shared';
import { ensureCliBuilt, reticle, reticleJson, spawnReticle } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { MISSING, doublesEnv } from '../training/training-fixture.js';

beforeAll(() => ensureCliBuilt(), 120_000);

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(doublesEnv(extra) as Record<string, string>), RETICLE_HOME: tempDir('reticle-home-') };
}

/** A detection project with 16 labeled images, made and imported with the CLI. */
async function project(env: Record<string, string>): Promise<string> {
  const data = tempDir('squares-');
  fs.writeFileSync(path.join(data, 'data.yaml'), 'train: images\nval: images\nnames:\n  0: red\n  1: blue\n');
  for (let i = 0; i < 16; i++) {
    await makeImage(path.join(data, 'images', `s${i}.jpg`), { width: 64, height: 48, seed: i + 1 });
    fs.mkdirSync(path.join(data, 'labels'), { recursive: true });
    fs.writeFileSync(path.join(data, 'labels', `s${i}.txt`), `${i % 2} 0.5 0.5 0.3 0.3\n`);
  }
  const dir = path.join(tempDir(), 'squares');
  expect(reticle(['new', dir, '--name', 'Squares', '--task', 'detect'], env).code).toBe(0);
  expect(reticle(['import', dir, data, '--format', 'yolo'], env).code).toBe(0);
  return dir;
}

type Line = { type: 'status'; run: RunSummary } | { type: 'epoch'; runId: string; epoch: EpochRecord } | { type: 'progress' } | { type: 'result'; run: RunSummary; artifacts: RunArtifact[] };

function jsonLines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

describe('reticle train', () => {
  it('trains with --json: status, epoch and result lines; runs and export-model see the run', async () => {
    const env = cliEnv();
    const dir = await project(env);
    const r = reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '3', '--imgsz', '64', '--batch', '4', '--device', 'cpu', '--name', 'first', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'status').map((l) => (l as { run: RunSummary }).run.status)).toEqual(['queued', 'running', 'running', 'completed']);
    expect(lines.filter((l) => l.type === 'epoch').map((l) => (l as { epoch: EpochRecord }).epoch.epoch)).toEqual([1, 2, 3]);
    const result = lines.at(-1) as Extract<Line, { type: 'result' }>;
    expect(result.type).toBe('result');
    expect(result.run).toMatchObject({ name: 'first', status: 'completed', epochsDone: 3 });
    expect(result.artifacts.map((a) => a.kind).sort()).toEqual(['best', 'last', 'results']);

    const runs = reticleJson<RunSummary[]>(['runs', dir], env);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: result.run.id, status: 'completed' });
    const detail = reticleJson<RunDetail>(['runs', dir, 'first'], env);
    expect(detail.epochLog).toHaveLength(3);

    const onnx = reticleJson<RunArtifact>(['export-model', dir, result.run.id, '--format', 'onnx'], env);
    expect(onnx.kind).toBe('onnx');
    expect(fs.existsSync(onnx.path)).toBe(true);

    // Without --json: a line per epoch, a summary, and the table.
    const human = reticle(['train', dir, '--model', `run:${result.run.id}`, '--epochs', '2', '--imgsz', '64', '--device', 'cpu'], env);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^epoch 1\/2 {2}box \d\.\d{3} cls \d\.\d{3} dfl \d\.\d{3} \| P [\d.]+ R [\d.]+ mAP50 [\d.]+ mAP50-95 [\d.]+ \| /m);
    expect(human.stdout).toMatch(/^epoch 2\/2 /m);
    expect(human.stdout).toMatch(/completed, 2\/2 epochs on cpu/);
    expect(reticle(['runs', dir], env).stdout).toMatch(/ID +NAME +STATUS +EPOCHS +BEST +MODEL/);
  }, 120_000);

  it('Ctrl-C stops the run politely (exit 130, resumable) and resume finishes it', async () => {
    const env = cliEnv({ ULTRALYTICS_DOUBLE_BATCH_SECONDS: '0.05' });
    const dir = await project(env);
    const child = spawnReticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '5', '--imgsz', '64', '--batch', '2', '--device', 'cpu', '--json'], env);
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const firstEpoch = new Promise<void>((resolve) =>
      child.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('"type":"epoch"')) resolve();
      }),
    );
    await firstEpoch;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopping: finishing this epoch and saving/);
    const result = jsonLines(stdout).at(-1) as Extract<Line, { type: 'result' }>;
    expect(result.run).toMatchObject({ status: 'stopped', resumable: true });

    const resumed = reticle(['resume', dir, result.run.id, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((jsonLines(resumed.stdout).at(-1) as Extract<Line, { type: 'result' }>).run).toMatchObject({ status: 'completed', epochsDone: 5 });
    expect(reticleJson<RunDetail>(['runs', dir, result.run.id], env).epochLog.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
  }, 120_000);

  it('exits 1 with the reason when the trainer dies, and 2 on a bad command line', async () => {
    const env = cliEnv({ ULTRALYTICS_DOUBLE_CRASH_AT_EPOCH: '1' });
    const dir = await project(env);
    const r = reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '2', '--imgsz', '64', '--device', 'cpu'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed, 0\/2 epochs/);
    expect(r.stdout).toMatch(/error: Training stopped unexpectedly: it was killed \(exit status 137\)/);
    expect(reticle(['train', dir, '--model', 'resnet.h5'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--model is pretrained weights/) });
    expect(reticle(['train', dir, '--model', 'yolo11n.yaml', '--device', '0,0'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/names a GPU twice/) });
    // A CPU-only machine has no GPU 0 or 1.
    expect(reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '1', '--imgsz', '64', '--device', '0,1'], env).code).toBe(1);
  }, 120_000);

  it('trains on several GPUs: Ultralytics trains in a process of its own, and the run reports as on one', async () => {
    // The Ultralytics test double pretends to have two GPUs and, like the real one, trains a
    // device list in a new process that imports the runtime's trainer class by module path.
    const env = cliEnv({ ULTRALYTICS_DOUBLE_GPUS: '2' });
    const dir = await project(env);
    const r = reticle(['train', dir, '--model', 'yolo11n.yaml', '--epochs', '3', '--imgsz', '64', '--device', '0,1', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const result = lines.find((l) => l.type === 'result') as Extract<Line, { type: 'result' }>;
    expect(result.run).toMatchObject({ status: 'completed', epochsDone: 3, device: 'cuda:0' });
    expect(lines.filter((l) => l.type === 'epoch').map((l) => (l as Extract<Line, { type: 'epoch' }>).epoch.epoch)).toEqual([1, 2, 3]);
    expect(result.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['best', 'last']));
  }, 120_000);
});

describe('reticle runtime check', () => {
  it('reports a ready runtime, and exits 1 with what to do when it is not', () => {
    const ready = reticle(['runtime', 'check', '--json'], cliEnv());
    expect(ready.code, ready.stderr).toBe(0);
    expect(JSON.parse(ready.stdout) as RuntimeStatus).toMatchObject({ ready: true, source: 'env', bestDevice: 'cpu' });
    const text = reticle(['runtime', 'check'], cliEnv());
    expect(text.stdout).toMatch(/runtime: ready .*\n {2}Python 3\.\d+\.\d+, PyTorch 2\.5\.1\+cpu, Ultralytics 8\.4\.52/);

    const broken = reticle(['runtime', 'check'], cliEnv({ PYTHONPATH: MISSING }));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/runtime: not ready/);
    expect(broken.stdout).toMatch(/problem: PyTorch is not installed/);
  }, 60_000);
});
