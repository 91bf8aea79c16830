import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetStats, ExportReport, ImportReport, ProjectInfo } from '@shared';
import { ensureCliBuilt, reticle, reticleJson } from '../../helpers/cli.js';
import { makeImage, tempDir } from '../../helpers/images.js';

const home = tempDir('reticle-home-');
const env = { RETICLE_HOME: home };

beforeAll(() => ensureCliBuilt(), 120_000);

/** A small YOLO dataset as Ultralytics users keep them. */
async function yoloDataset(): Promise<string> {
  const root = tempDir('yolo-');
  fs.writeFileSync(path.join(root, 'data.yaml'), 'path: .\ntrain: images/train\nval: images/val\nnames:\n  0: cat\n  1: dog\n');
  const boxes: Record<string, string> = {
    'train/a': '0 0.5 0.5 0.2 0.4\n1 0.25 0.25 0.1 0.1\n',
    'train/b': '1 0.75 0.5 0.5 0.5\n',
    'train/empty': '',
    'val/c': '0 0.3 0.6 0.2 0.2\n',
  };
  let seed = 1;
  for (const [name, label] of Object.entries(boxes)) {
    await makeImage(path.join(root, 'images', `${name}.jpg`), { width: 320, height: 240, seed: seed++ });
    fs.mkdirSync(path.dirname(path.join(root, 'labels', `${name}.txt`)), { recursive: true });
    fs.writeFileSync(path.join(root, 'labels', `${name}.txt`), label);
  }
  return root;
}

describe('reticle CLI', () => {
  it('prints usage and exits 2 on a usage error', () => {
    expect(reticle([]).code).toBe(2);
    expect(reticle(['--help']).stdout).toMatch(/reticle import DIR PATH/);
    const bad = reticle(['import'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/name the project/);
    expect(reticle(['fly'], env).code).toBe(2);
  });

  it('creates a project, imports a YOLO dataset twice (adding nothing the second time) and reports stats', async () => {
    const dir = path.join(tempDir(), 'pets');
    const info = reticleJson<ProjectInfo>(['new', dir, '--name', 'Pets', '--task', 'detect'], env);
    expect(info).toMatchObject({ name: 'Pets', task: 'detect', dir });
    const dataset = await yoloDataset();

    const first = reticleJson<ImportReport>(['import', dir, dataset], env);
    expect(first).toMatchObject({ format: 'yolo', imported: 4, duplicates: 0, annotations: 4, classesCreated: ['cat', 'dog'] });
    expect(first.failed).toEqual([]);
    const second = reticleJson<ImportReport>(['import', dir, dataset], env);
    expect(second).toMatchObject({ imported: 0, duplicates: 4, annotations: 0 });

    const stats = reticleJson<DatasetStats>(['stats', dir], env);
    expect(stats).toMatchObject({ images: 4, labeled: 4, annotations: 4, perSplit: { train: 3, val: 1, test: 0, unassigned: 0 } });
    expect(stats.perClass.map((c) => [c.name, c.annotations, c.images])).toEqual([
      ['cat', 2, 2],
      ['dog', 2, 2],
    ]);
    expect(stats.imageSizes).toMatchObject({ minWidth: 320, maxWidth: 320, minHeight: 240, maxHeight: 240 });
    const text = reticle(['stats', dir], env);
    expect(text.stdout).toMatch(/4 images: 4 labeled/);
  });

  it('round-trips a YOLO dataset: same boxes within half a pixel, same class names', async () => {
    const dir = path.join(tempDir(), 'rt');
    reticleJson(['new', dir, '--name', 'rt', '--task', 'detect'], env);
    const dataset = await yoloDataset();
    reticleJson(['import', dir, dataset], env);
    const out = path.join(tempDir(), 'export');
    const report = reticleJson<ExportReport>(['export', dir, '--format', 'yolo', '--out', out], env);
    expect(report).toMatchObject({ images: 4, annotations: 4, perSplit: { train: 3, val: 1, test: 0 } });
    expect(fs.readFileSync(path.join(out, 'data.yaml'), 'utf8')).toMatch(/cat[\s\S]*dog/);

    const read = (root: string, split: string, name: string) =>
      fs
        .readFileSync(path.join(root, 'labels', split, `${name}.txt`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ').map(Number));
    for (const [split, name] of [['train', 'a'], ['train', 'b'], ['train', 'empty'], ['val', 'c']]) {
      const before = read(dataset, split, name);
      const after = read(out, split, name);
      expect(after.length).toBe(before.length);
      after.forEach((line, i) => {
        expect(line[0]).toBe(before[i][0]);
        // Half a pixel on a 320 × 240 image, in normalized units.
        [1, 3].forEach((k) => expect(Math.abs(line[k] - before[i][k]) * 320).toBeLessThanOrEqual(0.5));
        [2, 4].forEach((k) => expect(Math.abs(line[k] - before[i][k]) * 240).toBeLessThanOrEqual(0.5));
      });
    }

    // A COCO export holds the same boxes, in pixels.
    const coco = path.join(tempDir(), 'coco');
    reticleJson(['export', dir, '--format', 'coco', '--out', coco], env);
    const train = JSON.parse(fs.readFileSync(path.join(coco, 'annotations', 'instances_train.json'), 'utf8'));
    const a = train.images.find((i: { file_name: string }) => i.file_name.endsWith('a.jpg'));
    const boxes = train.annotations.filter((x: { image_id: number }) => x.image_id === a.id).map((x: { bbox: number[] }) => x.bbox);
    expect(boxes).toEqual([
      [128, 72, 64, 96],
      [64, 48, 32, 24],
    ]);
  });

  it('reports bad files in the import summary and exits 0', async () => {
    const dir = path.join(tempDir(), 'mixed');
    reticleJson(['new', dir, '--name', 'mixed', '--task', 'detect'], env);
    const src = tempDir();
    await makeImage(path.join(src, 'ok.jpg'));
    fs.writeFileSync(path.join(src, 'broken.jpg'), 'garbage');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'not an image, skipped');
    const r = reticle(['import', dir, src], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 new images, 0 duplicates, 1 failed, 1 non-image files skipped/);
    expect(r.stdout).toMatch(/broken\.jpg: not an image/);
  });

  it('refuses to open something that is not a project, with a clear message', () => {
    const r = reticle(['stats', tempDir(), '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/not a Reticle project/) } });
  });
});
