import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ExportStartInput, type Split } from '@shared';
import { exportDataset } from '../../../../src-main/services/export/export-dataset.js';
import { applySplits } from '../../../../src-main/services/dataset/project-splits.js';
import { listFiles, makeProject, tmpDir, type TestProject } from './project-fixture.js';

const request = (outDir: string, extra: Record<string, unknown> = {}) => ExportStartInput.parse({ format: 'yolo', outDir, ...extra });

async function labeledProject(count: number, split: Split | null = null): Promise<TestProject> {
  const p = makeProject('detect', ['rare', 'common']);
  const rare = p.classIds.get('rare')!;
  const common = p.classIds.get('common')!;
  for (let k = 0; k < count; k++) {
    await p.add({ name: `i${k}.jpg`, width: 20, height: 20, split, annotations: [{ kind: 'box', classId: k % 10 === 0 ? rare : common, x: 1, y: 1, w: 5, h: 5 }] });
  }
  return p;
}

/** Split of each exported image, read from where its file landed. */
function splitsOnDisk(out: string): Map<string, string> {
  return new Map(listFiles(path.join(out, 'images')).map((f) => [f.split('/')[1], f.split('/')[0]]));
}

describe('exportDataset: output folder', () => {
  it('refuses a non-empty folder and leaves it as it was', async () => {
    const p = await labeledProject(2, 'train');
    const out = tmpDir();
    fs.writeFileSync(path.join(out, 'mine.txt'), 'keep me');

    await expect(exportDataset(p.store, p.media, request(out))).rejects.toMatchObject({ code: 'already_exists', message: expect.stringContaining('not empty') });
    expect(listFiles(out)).toEqual(['mine.txt']);
  });

  it('writes into an empty folder, and into a non-empty one when allowed to', async () => {
    const p = await labeledProject(2, 'train');
    const empty = tmpDir();
    await exportDataset(p.store, p.media, request(empty));
    expect(listFiles(empty)).toContain('data.yaml');

    const busy = tmpDir();
    fs.writeFileSync(path.join(busy, 'mine.txt'), 'keep me');
    await exportDataset(p.store, p.media, request(busy, { overwrite: true }));
    expect(listFiles(busy)).toContain('data.yaml');
    expect(listFiles(busy)).toContain('mine.txt');
  });

  it('removes what an earlier export wrote there and this one does not, and nothing else', async () => {
    const p = await labeledProject(3, 'train');
    const out = path.join(tmpDir(), 'out');
    await exportDataset(p.store, p.media, request(out));
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine');
    // i2 is no longer labeled: its files must not stay behind to be trained on.
    const [, , third] = p.store.images.list({ kind: 'all' }, 0, 10).items;
    p.store.db.prepare('DELETE FROM annotations WHERE image_id = ?').run(third.id);

    await exportDataset(p.store, p.media, request(out, { overwrite: true }));

    expect(listFiles(out)).toEqual(['.reticle-export.json', 'data.yaml', 'images/train/i0.jpg', 'images/train/i1.jpg', 'labels/train/i0.txt', 'labels/train/i1.txt', 'notes.md']);

    await exportDataset(p.store, p.media, { ...request(out, { overwrite: true }), format: 'coco' });
    expect(listFiles(out)).toEqual(['.reticle-export.json', 'annotations/instances_train.json', 'images/i0.jpg', 'images/i1.jpg', 'notes.md']);
  });

  it('refuses a folder inside the project, and a file', async () => {
    const p = await labeledProject(1, 'train');
    await expect(exportDataset(p.store, p.media, request(path.join(p.store.paths.root, 'exports', 'x')))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('inside the project') });
    await expect(exportDataset(p.store, p.media, request(p.store.paths.root, { overwrite: true }))).rejects.toMatchObject({ code: 'invalid_input' });
    const file = path.join(tmpDir(), 'file');
    fs.writeFileSync(file, '');
    await expect(exportDataset(p.store, p.media, request(file))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('is a file') });
    expect(fs.existsSync(path.join(p.store.paths.root, 'exports'))).toBe(false);
  });

  it('refuses a format that does not fit the project, and a project with nothing labeled', async () => {
    const detect = await labeledProject(1, 'train');
    await expect(exportDataset(detect.store, detect.media, { ...request(path.join(tmpDir(), 'o')), format: 'folders' })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('YOLO or COCO') });
    const classify = makeProject('classify', ['a']);
    await classify.add({ name: 'x.jpg', annotations: [{ kind: 'tag', classId: classify.classIds.get('a')! }] });
    await expect(exportDataset(classify.store, classify.media, request(path.join(tmpDir(), 'o')))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('class folders') });
    const unlabeled = makeProject('detect', ['a']);
    await unlabeled.add({ name: 'x.jpg' });
    await expect(exportDataset(unlabeled.store, unlabeled.media, request(path.join(tmpDir(), 'o')))).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('Nothing to export') });
  });
});

describe('exportDataset: progress and cancel', () => {
  it('reports progress up to the total', async () => {
    const p = await labeledProject(5, 'train');
    const calls: [number, number][] = [];
    await exportDataset(p.store, p.media, request(path.join(tmpDir(), 'out')), { onProgress: (done, total) => calls.push([done, total]) });
    // Five images and five labels, then data.yaml.
    expect(calls[0]).toEqual([0, 11]);
    expect(calls.at(-1)).toEqual([11, 11]);
  });

  it('stops when cancelled and removes the folder it made', async () => {
    const p = await labeledProject(40, 'train');
    const out = path.join(tmpDir(), 'out');
    const controller = new AbortController();
    let seen = 0;
    const run = exportDataset(p.store, p.media, request(out), {
      signal: controller.signal,
      onProgress: () => {
        if (++seen === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('keeps a folder that was there before when cancelled', async () => {
    const p = await labeledProject(5, 'train');
    const out = tmpDir();
    const controller = new AbortController();
    controller.abort();
    await expect(exportDataset(p.store, p.media, request(out), { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(fs.existsSync(out)).toBe(true);
  });
});

describe('exportDataset: splits', () => {
  it("uses each image's own split, and splits the images without one 0.8/0.1/0.1 by the seed", async () => {
    const p = await labeledProject(10, 'test');
    for (let k = 0; k < 30; k++) await p.add({ name: `n${k}.jpg`, status: 'done' });

    const out1 = path.join(tmpDir(), 'a');
    const report = await exportDataset(p.store, p.media, request(out1, { seed: 11 }));
    const out2 = path.join(tmpDir(), 'b');
    await exportDataset(p.store, p.media, request(out2, { seed: 11 }));

    expect(report.perSplit).toEqual({ train: 24, val: 3, test: 13 });
    const a = splitsOnDisk(out1);
    for (let k = 0; k < 10; k++) expect(a.get(`i${k}.jpg`)).toBe('test');
    expect(splitsOnDisk(out2)).toEqual(a);
    // Nothing is written back to the project.
    expect(p.store.images.list({ kind: 'all' }, 0, 100).items.filter((i) => i.split !== null)).toHaveLength(10);
  });

  it('re-splits by the given ratios and seed, stratified by class, keeping pinned images in place', async () => {
    const p = await labeledProject(40, 'train');
    const pinned = await p.add({ name: 'pinned.jpg', split: 'test', pinned: true, status: 'done' });

    const out = path.join(tmpDir(), 'out');
    const report = await exportDataset(p.store, p.media, request(out, { split: [0.5, 0.5, 0], seed: 3 }));

    expect(report.perSplit.test).toBe(1);
    expect(report.perSplit.train + report.perSplit.val).toBe(40);
    expect(Math.abs(report.perSplit.train - report.perSplit.val)).toBeLessThanOrEqual(1);
    const onDisk = splitsOnDisk(out);
    expect(onDisk.get('pinned.jpg')).toBe('test');
    // The rare class (every tenth image) is split evenly too.
    const rare = [0, 10, 20, 30].map((k) => onDisk.get(`i${k}.jpg`));
    expect(rare.filter((s) => s === 'train')).toHaveLength(2);
    expect(p.store.images.get(pinned).split).toBe('test');
    expect(p.store.images.list({ kind: 'all' }, 0, 100).items.filter((i) => i.split === 'train')).toHaveLength(40);

    const other = path.join(tmpDir(), 'other');
    await exportDataset(p.store, p.media, request(other, { split: [0.5, 0.5, 0], seed: 4 }));
    expect(splitsOnDisk(other)).not.toEqual(onDisk);
  });

  it("uses the split the user applied, and the project's split settings for images added since", async () => {
    const p = await labeledProject(20);
    applySplits(p.store, { ratios: [0, 0.5, 0.5], seed: 9 });
    const stored = new Map(p.store.images.list({ kind: 'all' }, 0, 100).items.map((i) => [i.name, i.split]));
    for (let k = 0; k < 10; k++) await p.add({ name: `late${k}.jpg`, status: 'done' });

    const out = path.join(tmpDir(), 'out');
    const report = await exportDataset(p.store, p.media, request(out));
    const onDisk = splitsOnDisk(out);
    for (const [name, split] of stored) expect(onDisk.get(name)).toBe(split);
    expect(report.perSplit.train).toBe(0);
    expect(report.perSplit.val + report.perSplit.test).toBe(30);
  });
});
