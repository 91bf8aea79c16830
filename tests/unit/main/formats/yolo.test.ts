import path from 'node:path';
import { describe, it, expect } from 'vitest';
import type { ImportPlan, PlannedImage } from '../../../../src-main/services/import/plan.js';
import { planYolo } from '../../../../src-main/services/import/formats/yolo.js';
import { labelPathFor } from '../../../../src-main/services/import/formats/yolo-labels.js';
import { aborted, jpeg, tmpDir, write } from './fixture.js';

function byFile(plan: ImportPlan): Record<string, PlannedImage> {
  return Object.fromEntries(plan.images.map((i) => [path.basename(i.path), i]));
}

/** A classic Ultralytics dataset: data.yaml, images/{train,val}, labels/{train,val}. */
async function classicDataset(yaml: string): Promise<string> {
  const root = tmpDir();
  write(path.join(root, 'data.yaml'), yaml);
  await jpeg(path.join(root, 'images', 'train', 'a.jpg'));
  await jpeg(path.join(root, 'images', 'train', 'b.jpg'), 40, 30, 20);
  await jpeg(path.join(root, 'images', 'val', 'c.png'), 40, 30, 200);
  write(path.join(root, 'labels', 'train', 'a.txt'), '0 0.5 0.5 0.2 0.4\n1 0.25 0.75 0.1 0.1\n');
  write(path.join(root, 'labels', 'val', 'c.txt'), '');
  return root;
}

describe('planYolo: data.yaml layouts', () => {
  it('reads boxes from center format into top-left normalized boxes, with splits and labeled flags', async () => {
    const root = await classicDataset('path: .\ntrain: images/train\nval: images/val\nnames: [cat, dog]\n');

    const plan = await planYolo(root);

    expect(plan.format).toBe('yolo');
    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual(['cat', 'dog']);
    const files = byFile(plan);
    expect(Object.keys(files).sort()).toEqual(['a.jpg', 'b.jpg', 'c.png']);
    const a = files['a.jpg'];
    expect(a.split).toBe('train');
    expect(a.labeled).toBe(true);
    expect(a.labels).toHaveLength(2);
    expect(a.labels[0]).toMatchObject({ kind: 'box', className: 'cat', normalized: true });
    const box = a.labels[0] as Extract<PlannedImage['labels'][number], { kind: 'box' }>;
    expect(box.x).toBeCloseTo(0.4);
    expect(box.y).toBeCloseTo(0.3);
    expect(box.w).toBeCloseTo(0.2);
    expect(box.h).toBeCloseTo(0.4);
    expect(a.labels[1]).toMatchObject({ className: 'dog' });
    // No label file: not labeled. An empty label file: labeled, with nothing in it.
    expect(files['b.jpg']).toMatchObject({ labeled: false, labels: [], split: 'train' });
    expect(files['c.png']).toMatchObject({ labeled: true, labels: [], split: 'val' });
  });

  it('accepts the yaml file itself, names as a {0: name} mapping and splits given as lists', async () => {
    const root = tmpDir();
    write(path.join(root, 'cfg', 'set.yml'), 'path: ..\ntrain: [images/t1, images/t2]\nval: images/v\ntest: [images/te]\nnames:\n  0: person\n  1: bicycle\nnc: 2\n');
    await jpeg(path.join(root, 'images', 't1', 'a.jpg'));
    await jpeg(path.join(root, 'images', 't2', 'b.jpg'), 40, 30, 10);
    await jpeg(path.join(root, 'images', 'v', 'c.jpg'), 40, 30, 30);
    await jpeg(path.join(root, 'images', 'te', 'd.jpg'), 40, 30, 50);
    write(path.join(root, 'labels', 't2', 'b.txt'), '1 0.5 0.5 1 1\n');

    const plan = await planYolo(path.join(root, 'cfg', 'set.yml'));

    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual(['person', 'bicycle']);
    const files = byFile(plan);
    expect(files['a.jpg'].split).toBe('train');
    expect(files['b.jpg']).toMatchObject({ split: 'train', labeled: true, labels: [{ className: 'bicycle', x: 0, y: 0, w: 1, h: 1 }] });
    expect(files['c.jpg'].split).toBe('val');
    expect(files['d.jpg'].split).toBe('test');
  });

  it('reads .txt image lists: ./ lines from the list folder, absolute lines, and reports missing files', async () => {
    const root = tmpDir();
    const elsewhere = tmpDir();
    const abs = await jpeg(path.join(elsewhere, 'images', 'z.jpg'));
    write(path.join(elsewhere, 'labels', 'z.txt'), '0 0.5 0.5 0.5 0.5\n');
    await jpeg(path.join(root, 'images', 'train2017', 'a.jpg'));
    await jpeg(path.join(root, 'images', 'train2017', 'b.jpg'), 40, 30, 9);
    write(path.join(root, 'labels', 'train2017', 'a.txt'), '0 0.5 0.5 0.1 0.1\n');
    write(path.join(root, 'train2017.txt'), `./images/train2017/a.jpg\nimages/train2017/b.jpg\n\n${abs}\n./images/train2017/gone.jpg\n`);
    write(path.join(root, 'data.yaml'), 'train: train2017.txt\nval: train2017.txt\nnames: [thing]\n');

    const plan = await planYolo(root);

    const files = byFile(plan);
    expect(Object.keys(files).sort()).toEqual(['a.jpg', 'b.jpg', 'z.jpg']);
    // Listed under train and val: imported once, as train.
    expect(plan.images.every((i) => i.split === 'train')).toBe(true);
    expect(files['a.jpg'].labels).toHaveLength(1);
    expect(files['z.jpg'].labels).toHaveLength(1);
    expect(files['b.jpg'].labeled).toBe(false);
    // Once per listing (train and val name the same list).
    expect(plan.failures).toHaveLength(2);
    expect(plan.failures[0]).toEqual({ path: 'train2017.txt:5', reason: expect.stringContaining('gone.jpg not found') });
  });

  it("follows Roboflow's `../train/images` entries written beside the yaml, and valid/ as val", async () => {
    const root = tmpDir();
    write(path.join(root, 'data.yaml'), 'train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ["hard hat"]\n');
    await jpeg(path.join(root, 'train', 'images', 'a.jpg'));
    await jpeg(path.join(root, 'valid', 'images', 'b.jpg'), 40, 30, 5);
    write(path.join(root, 'train', 'labels', 'a.txt'), '0 0.5 0.5 0.2 0.2\n');

    const plan = await planYolo(root);

    expect(plan.failures).toEqual([]);
    const files = byFile(plan);
    expect(files['a.jpg']).toMatchObject({ split: 'train', labels: [{ className: 'hard hat' }] });
    expect(files['b.jpg']).toMatchObject({ split: 'val', labeled: false });
  });

  it('imports an image listed in several splits once, in the first split (train, val, test)', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'all', 'a.jpg'));
    write(path.join(root, 'data.yaml'), 'test: images/all\nval: images/all\ntrain: images/all\nnames: [x]\n');
    const plan = await planYolo(root);
    expect(plan.images).toHaveLength(1);
    expect(plan.images[0].split).toBe('train');
  });

  it('reports a split folder that does not exist and keeps the others', async () => {
    const root = await classicDataset('train: images/train\nval: images/nope\nnames: [cat, dog]\n');
    const plan = await planYolo(root);
    expect(plan.images).toHaveLength(2);
    expect(plan.failures).toEqual([{ path: 'data.yaml', reason: expect.stringContaining('images/nope not found') }]);
  });

  it('falls back to the yaml folder when `path` names a folder from another machine', async () => {
    const root = await classicDataset('path: /content/datasets/gone\ntrain: images/train\nval: images/val\nnames: [cat, dog]\n');
    const plan = await planYolo(root);
    expect(plan.images).toHaveLength(3);
  });

  it('reports duplicate names once and merges their classes', async () => {
    const root = tmpDir();
    write(path.join(root, 'data.yaml'), 'train: images\nnames: [cat, dog, cat]\n');
    await jpeg(path.join(root, 'images', 'a.jpg'));
    write(path.join(root, 'labels', 'a.txt'), '2 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.2 0.2\n');

    const plan = await planYolo(root);

    expect(plan.classNames).toEqual(['cat', 'dog']);
    expect(plan.failures).toEqual([{ path: 'data.yaml', reason: expect.stringContaining('"cat" appears twice') }]);
    expect(plan.images[0].labels.map((l) => l.className)).toEqual(['cat', 'cat']);
  });

  it('reports nc that disagrees with names, and uses the names', async () => {
    const root = await classicDataset('train: images/train\nval: images/val\nnc: 5\nnames: [cat, dog]\n');
    const plan = await planYolo(root);
    expect(plan.classNames).toEqual(['cat', 'dog']);
    expect(plan.failures).toEqual([{ path: 'data.yaml', reason: expect.stringMatching(/nc says 5/) }]);
  });

  it('names classes class_N when the yaml gives only nc', async () => {
    const root = await classicDataset('train: images/train\nval: images/val\nnc: 2\n');
    const plan = await planYolo(root);
    expect(plan.classNames).toEqual(['class_0', 'class_1']);
    expect(byFile(plan)['a.jpg'].labels.map((l) => l.className)).toEqual(['class_0', 'class_1']);
  });

  it('fills gaps in a names mapping, reports keys that are not indices, and reads a validation key as val', async () => {
    const root = await classicDataset('train: images/train\nvalidation: images/val\nnames: {0: cat, 2: bird, x: nope}\n');
    const plan = await planYolo(root);
    expect(plan.classNames).toEqual(['cat', 'class_1', 'bird']);
    expect(plan.failures.map((f) => f.reason)).toEqual([expect.stringContaining('"x" is not a class index'), expect.stringContaining('class 1 has no name')]);
    expect(byFile(plan)['c.png'].split).toBe('val');
    expect(byFile(plan)['a.jpg'].labels.map((l) => l.className)).toEqual(['cat', 'class_1']);
  });

  it('turns a malformed yaml into one failure, without throwing', async () => {
    const root = await classicDataset('train: [images/train\nnames: {0: a\n');
    const plan = await planYolo(root);
    expect(plan.images).toEqual([]);
    expect(plan.failures).toHaveLength(1);
    expect(plan.failures[0]).toMatchObject({ path: 'data.yaml', reason: expect.stringContaining('cannot read the dataset YAML') });
  });

  it('uses a yaml that only names classes with the images/ + labels/ folders beside it', async () => {
    const root = tmpDir();
    write(path.join(root, 'dataset.yaml'), 'names: [apple, pear]\n');
    await jpeg(path.join(root, 'images', 'a.jpg'));
    write(path.join(root, 'labels', 'a.txt'), '1 0.5 0.5 0.1 0.1\n');
    const plan = await planYolo(root);
    expect(plan.classNames).toEqual(['apple', 'pear']);
    expect(plan.images[0].labels[0]).toMatchObject({ className: 'pear' });
  });

  it('stops with a cancelled error when the signal is aborted', async () => {
    const root = await classicDataset('train: images/train\nval: images/val\nnames: [cat, dog]\n');
    await expect(planYolo(root, aborted())).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('planYolo: folders without a yaml', () => {
  it('reads images/ + labels/ with class names from classes.txt', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'a.jpg'));
    await jpeg(path.join(root, 'images', 'b.png'), 40, 30, 1);
    write(path.join(root, 'labels', 'a.txt'), '1 0.5 0.5 0.2 0.2\n');
    write(path.join(root, 'classes.txt'), 'zero\none\ntwo\n\n');
    write(path.join(root, 'images', 'notes.md'), 'x');
    // Not a split name, whatever JavaScript objects hold.
    await jpeg(path.join(root, 'images', 'constructor', 'c.jpg'), 40, 30, 2);

    const plan = await planYolo(root);

    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual(['zero', 'one', 'two']);
    expect(plan.skipped).toBe(1);
    const files = byFile(plan);
    expect(files['a.jpg'].labels[0]).toMatchObject({ className: 'one' });
    expect(files['a.jpg'].split).toBeUndefined();
    expect(files['b.png'].labeled).toBe(false);
    expect(files['c.jpg'].split).toBeUndefined();
  });

  it('names classes class0..N from the highest index when there is no classes.txt, with split subfolders', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'images', 'train', 'a.jpg'));
    await jpeg(path.join(root, 'images', 'val', 'b.jpg'), 40, 30, 3);
    await jpeg(path.join(root, 'images', 'test', 'c.jpg'), 40, 30, 6);
    write(path.join(root, 'labels', 'train', 'a.txt'), '3 0.5 0.5 0.2 0.2\n');
    write(path.join(root, 'labels', 'val', 'b.txt'), '0 0.5 0.5 0.2 0.2\n');

    const plan = await planYolo(root);

    expect(plan.classNames).toEqual(['class0', 'class1', 'class2', 'class3']);
    const files = byFile(plan);
    expect(files['a.jpg']).toMatchObject({ split: 'train', labels: [{ className: 'class3' }] });
    expect(files['b.jpg']).toMatchObject({ split: 'val', labels: [{ className: 'class0' }] });
    expect(files['c.jpg']).toMatchObject({ split: 'test', labeled: false });
  });

  it("reads Roboflow's train/images + train/labels folders", async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'train', 'images', 'a.jpg'));
    await jpeg(path.join(root, 'valid', 'images', 'b.jpg'), 40, 30, 8);
    write(path.join(root, 'valid', 'labels', 'b.txt'), '0 0.5 0.5 0.2 0.2\n');
    const plan = await planYolo(root);
    const files = byFile(plan);
    expect(files['a.jpg'].split).toBe('train');
    expect(files['b.jpg']).toMatchObject({ split: 'val', labeled: true });
  });

  it('says so when the folder is no YOLO dataset', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'a.jpg'));
    const plan = await planYolo(root);
    expect(plan.images).toEqual([]);
    expect(plan.failures[0].reason).toMatch(/no data.yaml and no images\/ folder/);
  });

  it('reports a path that does not exist', async () => {
    const plan = await planYolo(path.join(tmpDir(), 'missing'));
    expect(plan.failures).toEqual([{ path: expect.stringContaining('missing'), reason: 'not found' }]);
  });
});

describe('planYolo: label lines', () => {
  async function withLabels(text: string, names = '[a, b, c]'): Promise<ImportPlan> {
    const root = tmpDir();
    write(path.join(root, 'data.yaml'), `train: images/train\nnames: ${names}\n`);
    await jpeg(path.join(root, 'images', 'train', 'x.jpg'));
    write(path.join(root, 'labels', 'train', 'x.txt'), text);
    return planYolo(root);
  }

  it('reports each bad line with its file and line number, and keeps the good ones', async () => {
    const lines = [
      '0 0.5 0.5 0.2 0.2', // 1 ok
      '0 0.5 0.5 0.2', // 2 too few values
      '1 0.5 0.5 0.2 0.2 0.9', // 3 six values
      '0 0.5 abc 0.2 0.2', // 4 not a number
      '0 nan 0.5 0.2 0.2', // 5 NaN
      '0 0.5 inf 0.2 0.2', // 6 Inf
      '7 0.5 0.5 0.2 0.2', // 7 class out of range
      '-1 0.5 0.5 0.2 0.2', // 8 negative class
      '1.5 0.5 0.5 0.2 0.2', // 9 fractional class
      '0 0.5 0.5 0 0.2', // 10 zero width
      '0 0.5 0.5 0.2 -0.1', // 11 negative height
      '0 1.5 0.5 0.2 0.2', // 12 far outside
      '0 0.5 0.5 1.2 0.2', // 13 wider than the image
      '', // 14 blank: ignored
      '   ', // 15 blank: ignored
      '2 1.005 -0.005 0.2 0.2', // 16 within the slack: kept
      '1 0.5 0.5 0.2 0.2', // 17 ok
      '1 0.5 0.5 0.2 0.2', // 18 the same again: kept
      '1.0 0.1 0.1 0.1 0.1', // 19 a whole-number class written as a float: kept
      '0 1e-1 2E-1 1e-2 0.3', // 20 exponents: kept
      '0 0x1 0.5 0.2 0.2', // 21 hex is not a YOLO number
    ];
    const plan = await withLabels(lines.join('\n'));

    const image = plan.images[0];
    expect(image.labeled).toBe(true);
    expect(image.labels.map((l) => l.className)).toEqual(['a', 'c', 'b', 'b', 'b', 'a']);
    const failed = Object.fromEntries(plan.failures.map((f) => [f.path, f.reason]));
    const at = (n: number) => failed[path.join('labels', 'train', `x.txt:${n}`)];
    expect(Object.keys(failed)).toHaveLength(13);
    expect(at(2)).toMatch(/expected 5 values .* found 4 values/);
    expect(at(3)).toMatch(/found 6 values/);
    expect(at(4)).toMatch(/"abc" is not a number/);
    expect(at(5)).toMatch(/"nan" is not a finite number/);
    expect(at(6)).toMatch(/"inf" is not a finite number/);
    expect(at(7)).toMatch(/class 7 is out of range: the dataset names 3 classes \(0–2\)/);
    expect(at(8)).toMatch(/not a class index/);
    expect(at(9)).toMatch(/not a class index/);
    expect(at(10)).toMatch(/no size/);
    expect(at(11)).toMatch(/no size/);
    expect(at(12)).toMatch(/1\.5 is outside 0–1/);
    expect(at(13)).toMatch(/1\.2 is outside 0–1/);
    expect(at(21)).toMatch(/"0x1" is not a number/);
  });

  it('turns a polygon line into its bounding box, and refuses odd coordinate counts and flat polygons', async () => {
    const plan = await withLabels(['1 0.1 0.2 0.5 0.1 0.4 0.6 0.2 0.5', '0 0.1 0.1 0.2 0.2 0.3', '0 0.1 0.1 0.2 0.2 0.3 0.3 0.4', '0 0.1 0.5 0.2 0.5 0.9 0.5'].join('\n'));

    const labels = plan.images[0].labels;
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({ kind: 'box', className: 'b', normalized: true });
    const box = labels[0] as Extract<PlannedImage['labels'][number], { kind: 'box' }>;
    expect(box.x).toBeCloseTo(0.1);
    expect(box.y).toBeCloseTo(0.1);
    expect(box.w).toBeCloseTo(0.4);
    expect(box.h).toBeCloseTo(0.5);
    const reasons = plan.failures.map((f) => f.reason);
    expect(reasons).toHaveLength(3);
    expect(reasons[0]).toMatch(/found 6 values/);
    expect(reasons[1]).toMatch(/found 8 values/);
    expect(reasons[2]).toMatch(/polygon has no area/);
  });

  it('reads CRLF files with a byte-order mark', async () => {
    const plan = await withLabels('\ufeff0 0.5 0.5 0.2 0.2\r\n2 0.5 0.5 0.2 0.2\r\n');
    expect(plan.failures).toEqual([]);
    expect(plan.images[0].labels.map((l) => l.className)).toEqual(['a', 'c']);
  });
});

describe('labelPathFor', () => {
  it("replaces the last /images/ with /labels/ and the extension with .txt, as Ultralytics' img2label_paths", () => {
    const p = (...parts: string[]) => path.join(path.sep, ...parts);
    expect(labelPathFor(p('data', 'images', 'set', 'images', 'train', 'a.b.jpg'))).toBe(p('data', 'images', 'set', 'labels', 'train', 'a.b.txt'));
    expect(labelPathFor(p('data', 'pics', 'a.png'))).toBe(p('data', 'pics', 'a.txt'));
  });
});
