/**
 * Ultralytics must train on our exports unchanged. Needs a real Ultralytics: set
 * ULTRALYTICS_PYTHON to an interpreter that can `import ultralytics` (see README). Without it
 * these tests are skipped, and say so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import type { JobResult, StudioApi } from '@shared';
import { tempDir } from '../../helpers/images.js';
import { memorySettings } from '../../helpers/settings.js';

const PYTHON = process.env.ULTRALYTICS_PYTHON;
if (!PYTHON) console.log('skipped: ULTRALYTICS_PYTHON is not set, so training on our exports with real Ultralytics was not tried');

async function finished(api: StudioApi, jobId: string): Promise<JobResult> {
  return new Promise((resolve) => {
    const off = api.jobs.onFinished((r) => r.jobId === jobId && (off(), resolve(r)));
  });
}

/** Images of red and blue squares, with YOLO labels saying where they are. */
async function squares(root: string, count: number): Promise<void> {
  fs.mkdirSync(path.join(root, 'images'), { recursive: true });
  fs.mkdirSync(path.join(root, 'labels'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const cls = i % 2;
    const x = 10 + ((i * 13) % 60);
    const y = 10 + ((i * 7) % 50);
    const svg = `<svg width="128" height="112" xmlns="http://www.w3.org/2000/svg"><rect width="128" height="112" fill="#333"/><rect x="${x}" y="${y}" width="40" height="36" fill="${cls ? '#00f' : '#f00'}"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg().toFile(path.join(root, 'images', `s${i}.jpg`));
    fs.writeFileSync(path.join(root, 'labels', `s${i}.txt`), `${cls} ${(x + 20) / 128} ${(y + 18) / 112} ${40 / 128} ${36 / 112}\n`);
  }
  fs.writeFileSync(path.join(root, 'data.yaml'), 'train: images\nval: images\nnames: [red, blue]\n');
}

function train(model: string, data: string, project: string): { code: number; stderr: string } {
  const script = `from ultralytics import YOLO\nYOLO(${JSON.stringify(model)}).train(data=${JSON.stringify(data)}, epochs=1, imgsz=64, batch=8, device='cpu', workers=0, plots=False, amp=False, project=${JSON.stringify(project)}, name='t', exist_ok=True, verbose=False)\n`;
  const r = spawnSync(PYTHON!, ['-c', script], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, YOLO_OFFLINE: 'true' } });
  return { code: r.status ?? -1, stderr: r.stderr.slice(-3000) };
}

describe('real Ultralytics trains on our exports', () => {
  it.skipIf(!PYTHON)('a YOLO detection export trains as it is', async () => {
    const studio = createStudio({ mode: 'cli', settings: memorySettings() });
    const api = createDirectClient(studio.host);
    const src = tempDir('sq-');
    await squares(src, 24);
    await api.projects.create({ dir: path.join(tempDir(), 'p'), name: 'squares', task: 'detect' });
    const imp = await api.imports.start({ paths: [src], format: 'yolo' });
    await finished(api, imp.jobId);
    const out = path.join(tempDir(), 'export');
    const exp = await api.exports.start({ format: 'yolo', outDir: out, split: [0.75, 0.25, 0], seed: 1 });
    expect(await finished(api, exp.jobId)).toMatchObject({ status: 'ok' });
    await studio.dispose();

    const runs = tempDir('runs-');
    const r = train('yolo11n.yaml', path.join(out, 'data.yaml'), runs);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(runs, 't', 'weights', 'last.pt'))).toBe(true);
  }, 300_000);

  it.skipIf(!PYTHON)('a folder-per-class classification export trains as it is', async () => {
    const studio = createStudio({ mode: 'cli', settings: memorySettings() });
    const api = createDirectClient(studio.host);
    const src = tempDir('cls-');
    for (let i = 0; i < 16; i++) {
      const cls = i % 2 ? 'blue' : 'red';
      fs.mkdirSync(path.join(src, cls), { recursive: true });
      await sharp({ create: { width: 48, height: 48, channels: 3, background: cls === 'red' ? { r: 200 + i, g: 0, b: 0 } : { r: 0, g: 0, b: 200 + i } } })
        .jpeg()
        .toFile(path.join(src, cls, `${i}.jpg`));
    }
    await api.projects.create({ dir: path.join(tempDir(), 'c'), name: 'colours', task: 'classify' });
    await finished(api, (await api.imports.start({ paths: [src], format: 'folders' })).jobId);
    const out = path.join(tempDir(), 'export');
    expect(await finished(api, (await api.exports.start({ format: 'folders', outDir: out, split: [0.75, 0.25, 0], seed: 1 })).jobId)).toMatchObject({ status: 'ok' });
    await studio.dispose();

    const runs = tempDir('runs-');
    const r = train('yolo11n-cls.yaml', out, runs);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(runs, 't', 'weights', 'last.pt'))).toBe(true);
  }, 300_000);
});
