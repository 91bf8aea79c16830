import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ExportStartInput } from '@shared';
import { exportDataset } from '../../../../src-main/services/export/export-dataset.js';
import { planFolders } from '../../../../src-main/services/import/formats/folders.js';
import { listFiles, makeProject, tmpDir } from './project-fixture.js';

const request = (outDir: string) => ExportStartInput.parse({ format: 'folders', outDir });

const dirsUnder = (dir: string) => fs.readdirSync(dir).sort();

describe('exportDataset: class folders', () => {
  it('writes <split>/<class>/<image>, every class folder in every split, multi-label images in each class', async () => {
    const p = makeProject('classify', ['cat', 'dog', 'a/b', '..'], true);
    const [cat, dog, slash, dots] = ['cat', 'dog', 'a/b', '..'].map((n) => p.classIds.get(n)!);
    await p.add({ name: 'one.jpg', split: 'train', annotations: [{ kind: 'tag', classId: cat }] });
    await p.add({ name: 'both.jpg', split: 'train', annotations: [{ kind: 'tag', classId: cat }, { kind: 'tag', classId: dog }] });
    await p.add({ name: 'odd.jpg', split: 'val', annotations: [{ kind: 'tag', classId: slash }, { kind: 'tag', classId: dots }] });
    await p.add({ name: 'done-no-tag.jpg', split: 'train', status: 'done' });
    await p.add({ name: 'new.jpg', split: 'train' });
    const out = path.join(tmpDir(), 'out');

    const report = await exportDataset(p.store, p.media, request(out));

    expect(listFiles(out)).toEqual([
      '.reticle-export.json',
      'train/cat/both.jpg',
      'train/cat/one.jpg',
      'train/dog/both.jpg',
      'val/__/odd.jpg',
      'val/a_b/odd.jpg',
    ]);
    // ImageFolder numbers classes by the folders it finds: each split has them all.
    expect(dirsUnder(path.join(out, 'train'))).toEqual(['__', 'a_b', 'cat', 'dog']);
    expect(dirsUnder(path.join(out, 'val'))).toEqual(['__', 'a_b', 'cat', 'dog']);
    expect(fs.existsSync(path.join(out, 'test'))).toBe(false);
    expect(report).toMatchObject({ format: 'folders', images: 3, annotations: 5, perSplit: { train: 2, val: 1, test: 0 }, skippedUnlabeled: 2 });
  });

  it('round-trips through the class folder importer', async () => {
    const p = makeProject('classify', ['cat', 'dog']);
    const ids = [p.classIds.get('cat')!, p.classIds.get('dog')!];
    for (let k = 0; k < 5; k++) await p.add({ name: `p${k}.jpg`, split: k === 4 ? 'val' : 'train', annotations: [{ kind: 'tag', classId: ids[k % 2] }] });
    const out = path.join(tmpDir(), 'out');
    await exportDataset(p.store, p.media, request(out));

    const plan = await planFolders(out);

    expect(plan.classNames).toEqual(['cat', 'dog']);
    expect(plan.images.map((i) => [path.basename(i.path), i.split, i.labels[0]]).sort()).toEqual(
      Array.from({ length: 5 }, (_, k) => [`p${k}.jpg`, k === 4 ? 'val' : 'train', { kind: 'tag', className: k % 2 ? 'dog' : 'cat' }]),
    );
  });

  it('copies the train images into val when neither val nor test has any, so Ultralytics can train', async () => {
    const p = makeProject('classify', ['cat']);
    await p.add({ name: 'a.jpg', split: 'train', annotations: [{ kind: 'tag', classId: p.classIds.get('cat')! }] });
    const out = path.join(tmpDir(), 'out');
    const report = await exportDataset(p.store, p.media, request(out));
    expect(listFiles(out)).toEqual(['.reticle-export.json', 'train/cat/a.jpg', 'val/cat/a.jpg']);
    expect(report.perSplit).toEqual({ train: 1, val: 0, test: 0 });
  });
});
