import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { planFolders } from '../../../../src-main/services/import/formats/folders.js';
import { aborted, jpeg, tmpDir, write } from './fixture.js';

const summary = (plan: Awaited<ReturnType<typeof planFolders>>, root: string) =>
  plan.images.map((i) => ({ file: path.relative(root, i.path), split: i.split, labels: i.labels, labeled: i.labeled }));

describe('planFolders', () => {
  it('tags each image with its class folder, classes sorted as Ultralytics sorts them', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'zebra', 'z1.jpg'));
    await jpeg(path.join(root, 'Bee', 'b1.jpg'), 40, 30, 3);
    await jpeg(path.join(root, 'ant', 'nested', 'a2.png'), 40, 30, 5);
    write(path.join(root, 'ant', 'info.txt'), 'x');
    await jpeg(path.join(root, '.trash', 'x.jpg'));

    const plan = await planFolders(root);

    expect(plan.format).toBe('folders');
    // Python's sorted(): upper case before lower case.
    expect(plan.classNames).toEqual(['Bee', 'ant', 'zebra']);
    expect(plan.skipped).toBe(1);
    expect(plan.failures).toEqual([]);
    expect(summary(plan, root)).toEqual([
      { file: path.join('Bee', 'b1.jpg'), split: undefined, labels: [{ kind: 'tag', className: 'Bee' }], labeled: true },
      { file: path.join('ant', 'nested', 'a2.png'), split: undefined, labels: [{ kind: 'tag', className: 'ant' }], labeled: true },
      { file: path.join('zebra', 'z1.jpg'), split: undefined, labels: [{ kind: 'tag', className: 'zebra' }], labeled: true },
    ]);
  });

  it('reads train/val/test split folders, with valid/ as val, and keeps empty class folders as classes', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'train', 'cat', 'a.jpg'));
    await jpeg(path.join(root, 'train', 'dog', 'b.jpg'), 40, 30, 1);
    await jpeg(path.join(root, 'valid', 'cat', 'c.jpg'), 40, 30, 2);
    await jpeg(path.join(root, 'test', 'dog', 'd.jpg'), 40, 30, 4);
    write(path.join(root, 'test', 'bird', '.keep'), '');
    write(path.join(root, 'README.txt'), 'about');

    const plan = await planFolders(root);

    expect(plan.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(summary(plan, root).map((i) => [i.file, i.split, i.labels[0]])).toEqual([
      [path.join('train', 'cat', 'a.jpg'), 'train', { kind: 'tag', className: 'cat' }],
      [path.join('train', 'dog', 'b.jpg'), 'train', { kind: 'tag', className: 'dog' }],
      [path.join('valid', 'cat', 'c.jpg'), 'val', { kind: 'tag', className: 'cat' }],
      [path.join('test', 'dog', 'd.jpg'), 'test', { kind: 'tag', className: 'dog' }],
    ]);
    expect(plan.skipped).toBe(1);
  });

  it('reports images that sit outside any class folder', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'cat', 'a.jpg'));
    const loose = await jpeg(path.join(root, 'loose.jpg'), 40, 30, 9);
    const plan = await planFolders(root);
    expect(plan.images).toHaveLength(1);
    expect(plan.failures).toEqual([{ path: loose, reason: expect.stringContaining('not inside a class folder') }]);
  });

  it('refuses a file or a missing path', async () => {
    const root = tmpDir();
    const file = await jpeg(path.join(root, 'a.jpg'));
    expect((await planFolders(file)).failures[0].reason).toMatch(/from a folder/);
    expect((await planFolders(path.join(root, 'nope'))).failures[0].reason).toBe('not found');
  });

  it('stops with a cancelled error when the signal is aborted', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'cat', 'a.jpg'));
    await expect(planFolders(root, aborted())).rejects.toMatchObject({ code: 'cancelled' });
  });
});
