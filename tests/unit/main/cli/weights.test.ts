/**
 * `reticle weights` and `reticle train --model yolo11n.pt` as a user runs them: the built CLI, a
 * mirror on 127.0.0.1 (RETICLE_WEIGHTS_MIRROR), the real runtime process over the Ultralytics
 * test double.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AutolabelReport, RunSummary, WeightsLibraryState, WeightsReport } from '@shared';
import { image, model } from '../inference/fixtures.js';
import { ensureCliBuilt, reticle, reticleAsync } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';
import { doublesEnv } from '../training/training-fixture.js';
import { doublePretrained, startMirror, type Mirror } from '../weights/weights-server.js';

beforeAll(() => ensureCliBuilt(), 120_000);
const mirrors: Mirror[] = [];
afterEach(async () => {
  for (const m of mirrors.splice(0)) await m.close();
});

function json<T>(r: { code: number; stdout: string; stderr: string }): T {
  if (r.code !== 0) throw new Error(`reticle exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function mirrorWith(files: Record<string, Buffer>): Promise<Mirror> {
  const mirror = await startMirror();
  mirrors.push(mirror);
  for (const [name, body] of Object.entries(files)) mirror.put(name, body);
  return mirror;
}

function cliEnv(mirror: Mirror): Record<string, string> {
  return { ...(doublesEnv() as Record<string, string>), RETICLE_HOME: tempDir('reticle-home-'), RETICLE_WEIGHTS_MIRROR: mirror.url };
}

async function project(env: Record<string, string>): Promise<string> {
  const data = tempDir('squares-');
  fs.writeFileSync(path.join(data, 'data.yaml'), 'train: images\nval: images\nnames:\n  0: red\n  1: blue\n');
  fs.mkdirSync(path.join(data, 'labels'), { recursive: true });
  for (let i = 0; i < 8; i++) {
    await makeImage(path.join(data, 'images', `s${i}.jpg`), { width: 64, height: 48, seed: i + 1 });
    fs.writeFileSync(path.join(data, 'labels', `s${i}.txt`), `${i % 2} 0.5 0.5 0.3 0.3\n`);
  }
  const dir = path.join(tempDir(), 'squares');
  expect(reticle(['new', dir, '--name', 'Squares', '--task', 'detect'], env).code).toBe(0);
  expect(reticle(['import', dir, data, '--format', 'yolo'], env).code).toBe(0);
  return dir;
}

describe('reticle weights', () => {
  it('pulls, lists, adds and removes', async () => {
    const mirror = await mirrorWith({ 'yolo11n.pt': doublePretrained() });
    const env = cliEnv(mirror);
    const pulled = json<WeightsReport>(await reticleAsync(['weights', 'pull', 'yolo11n.pt', '--json'], env));
    expect(pulled.added.map((e) => [e.name, e.task])).toEqual([['yolo11n.pt', 'detect']]);
    const listed = await reticleAsync(['weights', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`downloads from: mirror ${mirror.url}/ \\(from RETICLE_WEIGHTS_MIRROR\\)`));
    expect(listed.stdout).toMatch(/^yolo11n\.pt +\d+\.\d MB +detect +3 classes +from http:\/\/127\.0\.0\.1/m);

    const mine = path.join(tempDir('pack-'), 'my-detector.pt');
    fs.writeFileSync(mine, doublePretrained({ names: ['crack'] }));
    const added = await reticleAsync(['weights', 'add', mine], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^added my-detector\.pt .* 1 classes +from .*my-detector\.pt \(added\)$/m);
    const page = path.join(tempDir('pack-'), 'page.pt');
    fs.writeFileSync(page, '<html>sign in</html>');
    expect(await reticleAsync(['weights', 'add', page], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/page\.pt is not an Ultralytics model/) });

    expect(json<WeightsLibraryState>(await reticleAsync(['weights', 'remove', 'yolo11n.pt', '--json'], env)).entries.map((e) => e.name)).toEqual(['my-detector.pt']);
    expect(await reticleAsync(['weights', 'remove', 'yolo11n.pt'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/has no yolo11n\.pt/) });
  }, 120_000);
});

describe('reticle train --model NAME.pt', () => {
  it('fetches the pretrained weights once, then trains from them; a file needs a slash', async () => {
    const mirror = await mirrorWith({ 'yolo11n.pt': doublePretrained() });
    const env = cliEnv(mirror);
    const dir = await project(env);
    const r = await reticleAsync(['train', dir, '--model', 'yolo11n.pt', '--epochs', '2', '--imgsz', '64', '--batch', '4', '--device', 'cpu', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/yolo11n\.pt is not in the library yet; fetching it/);
    const run = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run;
    expect(run).toMatchObject({ status: 'completed', model: `yolo11n.pt (pretrained, from ${mirror.url}/yolo11n.pt)` });

    // The second run uses the library's copy: the mirror is gone.
    await mirror.close();
    const again = await reticleAsync(['train', dir, '--model', 'yolo11n.pt', '--epochs', '1', '--imgsz', '64', '--device', 'cpu'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/fetching/);
    expect(mirror.requests.filter((q) => q.path === '/yolo11n.pt')).toHaveLength(1);

    // Offline with no copy: a clear error with both ways out, and no run.
    const offline = await reticleAsync(['train', dir, '--model', 'yolo26n.pt', '--epochs', '1', '--device', 'cpu'], env);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/Could not fetch yolo26n\.pt from 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*reticle weights add PATH.*RETICLE_WEIGHTS_MIRROR/s);
    expect(json<RunSummary[]>(await reticleAsync(['runs', dir, '--json'], env))).toHaveLength(2);

    expect(await reticleAsync(['train', dir, '--model', 'no such.pt'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/write \.\/no such\.pt for a file/) });
  }, 120_000);
});

describe('reticle autolabel --weights', () => {
  it('labels with a pretrained detector from the library, keeping only the mapped classes', async () => {
    const mirror = await mirrorWith({ 'yolo11n.pt': doublePretrained({ names: ['circle', 'square', 'triangle'] }) });
    const env = { ...cliEnv(mirror), ULTRALYTICS_DOUBLE_ONNX: model('yolo11-detect.onnx') };
    const dir = path.join(tempDir(), 'shapes');
    expect(reticle(['new', dir, '--name', 'Shapes', '--task', 'detect'], env).code).toBe(0);
    expect(reticle(['import', dir, image('square.png'), image('wide.png'), image('tall.jpg')], env).code).toBe(0);
    const r = await reticleAsync(['autolabel', dir, '--weights', 'yolo11n.pt', '--map', 'square=box', '--map', 'circle', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as AutolabelReport;
    expect(report).toMatchObject({ images: 3, failed: [], classesCreated: ['box', 'circle'] });
    expect(report.suggestions).toBeGreaterThan(0);
    expect(reticle(['stats', dir, '--json'], env).stdout).not.toMatch(/triangle/);
    expect((await reticleAsync(['autolabel', dir, '--weights', 'yolo11n.pt', '--map', '=x'], env)).stderr).toMatch(/--map takes MODEL_CLASS=PROJECT_CLASS/);
  }, 120_000);
});
