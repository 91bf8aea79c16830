import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ExportStartInput } from '@shared';
import { exportDataset } from '../../../../src-main/services/export/export-dataset.js';
import { planYolo } from '../../../../src-main/services/import/formats/yolo.js';
import { labelPathFor } from '../../../../src-main/services/import/formats/yolo-labels.js';
import { listFiles, makeProject, read, tmpDir } from './project-fixture.js';

const request = (outDir: string, extra: Record<string, unknown> = {}) => ExportStartInput.parse({ format: 'yolo', outDir, ...extra });

/** What Ultralytics does with a data.yaml that has no `path`: folders relative to the yaml. */
function ultralyticsView(yamlFile: string): { train: string[]; val: string[]; names: Record<number, string>; nc: number } {
  const data = parseYaml(read(yamlFile)) as Record<string, unknown>;
  expect(data).not.toHaveProperty('path');
  const images = (key: string) => {
    const dir = path.resolve(path.dirname(yamlFile), String(data[key]));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    return fs.readdirSync(dir).map((f) => path.join(dir, f));
  };
  return { train: images('train'), val: images('val'), names: data.names as Record<number, string>, nc: data.nc as number };
}

describe('exportDataset: YOLO', () => {
  it('writes images, normalized center-format labels and a data.yaml Ultralytics reads as is', async () => {
    const p = makeProject('detect', ['cat', 'dog']);
    const cat = p.classIds.get('cat')!;
    const dog = p.classIds.get('dog')!;
    const a = await p.add({ name: 'a.jpg', split: 'train', annotations: [{ kind: 'box', classId: cat, x: 8, y: 12, w: 16, h: 24 }, { kind: 'box', classId: dog, x: 0, y: 0, w: 64, h: 48 }] });
    await p.add({ name: 'b.jpg', split: 'val', status: 'done' });
    await p.add({ name: 'c.jpg', split: 'train' });
    const d = await p.add({ name: 'a.jpg', split: 'train', annotations: [{ kind: 'box', classId: dog, x: 32, y: 24, w: 16, h: 12 }] });
    await p.add({ name: 'e.png', split: 'test', annotations: [{ kind: 'box', classId: cat, x: 1, y: 1, w: 2, h: 2 }] });
    const out = path.join(tmpDir(), 'out');

    const report = await exportDataset(p.store, p.media, request(out));

    const hashOfD = p.store.images.get(d).hash.slice(0, 8);
    expect(listFiles(out)).toEqual(
      [
        '.reticle-export.json',
        'data.yaml',
        'images/test/e.png',
        'images/train/a.jpg',
        `images/train/a-${hashOfD}.jpg`,
        'images/val/b.jpg',
        'labels/test/e.txt',
        'labels/train/a.txt',
        `labels/train/a-${hashOfD}.txt`,
        'labels/val/b.txt',
      ].sort(),
    );
    expect(read(out, 'labels', 'train', 'a.txt')).toBe('0 0.250000 0.500000 0.250000 0.500000\n1 0.500000 0.500000 1.000000 1.000000\n');
    expect(read(out, 'labels', 'train', `a-${hashOfD}.txt`)).toBe('1 0.625000 0.625000 0.250000 0.250000\n');
    expect(read(out, 'labels', 'val', 'b.txt')).toBe('');
    const stored = p.store.images.stored(a)!;
    expect(fs.readFileSync(path.join(out, 'images', 'train', 'a.jpg'))).toEqual(fs.readFileSync(p.media.mediaPath(stored.hash, stored.ext)));

    const yaml = read(out, 'data.yaml');
    expect(parseYaml(yaml)).toEqual({ train: 'images/train', val: 'images/val', test: 'images/test', nc: 2, names: { 0: 'cat', 1: 'dog' } });
    const view = ultralyticsView(path.join(out, 'data.yaml'));
    for (const image of [...view.train, ...view.val]) expect(fs.existsSync(labelPathFor(image))).toBe(true);

    expect(report).toMatchObject({ format: 'yolo', outDir: out, images: 4, annotations: 4, perSplit: { train: 2, val: 1, test: 1 }, skippedUnlabeled: 1 });
  });

  it('round-trips: importing the export gives back the same classes and boxes', async () => {
    const p = makeProject('detect', ['person', 'car', 'yes']);
    const ids = ['person', 'car', 'yes'].map((n) => p.classIds.get(n)!);
    for (let k = 0; k < 12; k++) {
      await p.add({ name: `img${k}.jpg`, width: 100, height: 50, annotations: [{ kind: 'box', classId: ids[k % 3], x: k, y: 2, w: 10 + k, h: 20 }] });
    }
    const out = path.join(tmpDir(), 'out');
    await exportDataset(p.store, p.media, request(out, { seed: 5 }));

    const plan = await planYolo(out);

    expect(plan.failures).toEqual([]);
    // `yes` stays a name: PyYAML would read a bare yes as true.
    expect(plan.classNames).toEqual(['person', 'car', 'yes']);
    expect(plan.images).toHaveLength(12);
    for (const image of plan.images) {
      const k = Number(path.basename(image.path).match(/img(\d+)/)![1]);
      const [label] = image.labels;
      expect(label).toMatchObject({ kind: 'box', className: ['person', 'car', 'yes'][k % 3] });
      if (label.kind !== 'box') throw new Error('expected a box');
      expect(label.x * 100).toBeCloseTo(k, 3);
      expect(label.y * 50).toBeCloseTo(2, 3);
      expect(label.w * 100).toBeCloseTo(10 + k, 3);
      expect(label.h * 50).toBeCloseTo(20, 3);
    }
  });

  it('points val at the train images, and says so, when no image is in val', async () => {
    const p = makeProject('detect', ['x']);
    await p.add({ name: 'a.jpg', split: 'train', status: 'done' });
    await p.add({ name: 'b.jpg', split: 'train', status: 'done' });
    const out = path.join(tmpDir(), 'out');

    await exportDataset(p.store, p.media, request(out));

    const yaml = read(out, 'data.yaml');
    expect(parseYaml(yaml)).toMatchObject({ train: 'images/train', val: 'images/train' });
    expect(parseYaml(yaml)).not.toHaveProperty('test');
    expect(yaml).toMatch(/^# No image is in the val split.*\n.*\nval: images\/train$/m);
    expect(ultralyticsView(path.join(out, 'data.yaml')).val).toHaveLength(2);
    expect(fs.existsSync(path.join(out, 'images', 'val'))).toBe(false);
  });

  it('numbers classes by the project order, clamps boxes to the image and keeps the original extension', async () => {
    const p = makeProject('detect', ['first', 'second']);
    const first = p.classIds.get('first')!;
    const second = p.classIds.get('second')!;
    p.store.classes.reorder([second, first]);
    await p.add({ name: 'Photo.JPEG', split: 'val', annotations: [{ kind: 'box', classId: first, x: -10, y: 40, w: 30, h: 20 }] });
    const out = path.join(tmpDir(), 'out');

    await exportDataset(p.store, p.media, request(out));

    expect(fs.existsSync(path.join(out, 'images', 'val', 'Photo.JPEG'))).toBe(true);
    // Clamped to 0..20 × 40..48 of 64 × 48.
    expect(read(out, 'labels', 'val', 'Photo.txt')).toBe('1 0.156250 0.916667 0.312500 0.166667\n');
    expect(parseYaml(read(out, 'data.yaml')).names).toEqual({ 0: 'second', 1: 'first' });
  });

  it('makes unsafe names safe inside the output folder', async () => {
    const p = makeProject('detect', ['x']);
    await p.add({ name: '../../escape.jpg', status: 'done', split: 'train' });
    await p.add({ name: '.hidden.jpg', status: 'done', split: 'train' });
    await p.add({ name: 'con.jpg', status: 'done', split: 'train' });
    await p.add({ name: 'a:b*?.jpe', status: 'done', split: 'train' });
    const out = path.join(tmpDir(), 'out');

    await exportDataset(p.store, p.media, request(out));

    expect(listFiles(path.join(out, 'images'))).toEqual(['train/_con.jpg', 'train/_hidden.jpg', 'train/a_b__.jpg', 'train/escape.jpg']);
    expect(fs.existsSync(path.join(path.dirname(out), 'escape.jpg'))).toBe(false);
  });
});
