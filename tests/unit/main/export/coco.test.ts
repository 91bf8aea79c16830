import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ExportStartInput } from '@shared';
import { exportDataset } from '../../../../src-main/services/export/export-dataset.js';
import { planCoco } from '../../../../src-main/services/import/formats/coco.js';
import { listFiles, makeProject, read, tmpDir } from './project-fixture.js';

const request = (outDir: string) => ExportStartInput.parse({ format: 'coco', outDir });

describe('exportDataset: COCO', () => {
  it('writes every image to images/ and one instances_<split>.json per split with pixel boxes', async () => {
    const p = makeProject('detect', ['cat', 'dog']);
    const cat = p.classIds.get('cat')!;
    const dog = p.classIds.get('dog')!;
    await p.add({ name: 'a.jpg', width: 64, height: 48, split: 'train', annotations: [{ kind: 'box', classId: dog, x: 1.234, y: 2.345, w: 10.555, h: 20 }] });
    await p.add({ name: 'b.jpg', width: 30, height: 20, split: 'train', annotations: [{ kind: 'box', classId: cat, x: 25, y: 0, w: 10, h: 5 }] });
    await p.add({ name: 'c.jpg', split: 'val', status: 'done' });
    await p.add({ name: 'd.jpg', split: 'val' });
    const out = path.join(tmpDir(), 'out');

    const report = await exportDataset(p.store, p.media, request(out));

    expect(listFiles(out)).toEqual(['.reticle-export.json', 'annotations/instances_train.json', 'annotations/instances_val.json', 'images/a.jpg', 'images/b.jpg', 'images/c.jpg']);
    const train = JSON.parse(read(out, 'annotations', 'instances_train.json'));
    expect(train.categories).toEqual([
      { id: 1, name: 'cat', supercategory: '' },
      { id: 2, name: 'dog', supercategory: '' },
    ]);
    expect(train.images).toEqual([
      { id: 1, file_name: 'a.jpg', width: 64, height: 48 },
      { id: 2, file_name: 'b.jpg', width: 30, height: 20 },
    ]);
    expect(train.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [1.23, 2.35, 10.56, 20], area: 211.2, iscrowd: 0, segmentation: [] },
      // Clamped to the 30 px wide image.
      { id: 2, image_id: 2, category_id: 1, bbox: [25, 0, 5, 5], area: 25, iscrowd: 0, segmentation: [] },
    ]);
    const val = JSON.parse(read(out, 'annotations', 'instances_val.json'));
    expect(val.images).toEqual([{ id: 3, file_name: 'c.jpg', width: 64, height: 48 }]);
    expect(val.annotations).toEqual([]);
    expect(report).toMatchObject({ images: 3, annotations: 2, perSplit: { train: 2, val: 1, test: 0 }, skippedUnlabeled: 1 });
  });

  it('round-trips: importing the export gives back the same boxes and splits', async () => {
    const p = makeProject('detect', ['a', 'b']);
    const ids = [p.classIds.get('a')!, p.classIds.get('b')!];
    for (let k = 0; k < 6; k++) {
      await p.add({ name: `x${k}.jpg`, split: k < 4 ? 'train' : 'test', annotations: [{ kind: 'box', classId: ids[k % 2], x: k, y: k + 1, w: 5, h: 6 }] });
    }
    const out = path.join(tmpDir(), 'out');
    await exportDataset(p.store, p.media, request(out));

    const plan = await planCoco(out);

    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual(['a', 'b']);
    const got = plan.images.map((i) => [path.basename(i.path), i.split, i.labels]).sort();
    expect(got).toEqual(
      Array.from({ length: 6 }, (_, k) => [`x${k}.jpg`, k < 4 ? 'train' : 'test', [{ kind: 'box', className: k % 2 ? 'b' : 'a', x: k, y: k + 1, w: 5, h: 6, normalized: false }]]),
    );
    expect(fs.existsSync(path.join(out, 'annotations', 'instances_val.json'))).toBe(false);
  });
});
