import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { planImages } from '../../../../src-main/services/import/formats/images.js';
import { aborted, jpeg, tmpDir, write } from './fixture.js';

const names = (paths: { path: string }[], root: string) => paths.map((p) => path.relative(root, p.path)).sort();

describe('planImages', () => {
  it('scans folders recursively, counts other files as skipped and ignores hidden ones', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'a.jpg'));
    await jpeg(path.join(root, 'deep', 'er', 'b.JPEG'));
    await jpeg(path.join(root, 'c.png'));
    write(path.join(root, 'notes.txt'), 'hello');
    write(path.join(root, 'deep', 'data.csv'), '1,2');
    await jpeg(path.join(root, '.hidden.jpg'));
    await jpeg(path.join(root, '.cache', 'x.jpg'));
    await jpeg(path.join(root, '__MACOSX', '._a.jpg'));

    const plan = await planImages([root]);

    expect(plan.format).toBe('images');
    expect(names(plan.images, root)).toEqual(['a.jpg', 'c.png', path.join('deep', 'er', 'b.JPEG')]);
    expect(plan.skipped).toBe(2);
    expect(plan.failures).toEqual([]);
    expect(plan.classNames).toEqual([]);
    for (const image of plan.images) {
      expect(image.labeled).toBe(false);
      expect(image.labels).toEqual([]);
      expect(path.isAbsolute(image.path)).toBe(true);
    }
  });

  it('takes explicit files, refuses non-images by name and reports missing paths', async () => {
    const root = tmpDir();
    const a = await jpeg(path.join(root, 'a.jpg'));
    const hidden = await jpeg(path.join(root, '.b.webp'));
    const text = write(path.join(root, 'readme.md'), '#');
    const bare = write(path.join(root, 'LICENSE'), 'x');
    const missing = path.join(root, 'gone.jpg');

    const plan = await planImages([a, hidden, text, bare, missing]);

    expect(names(plan.images, root)).toEqual(['.b.webp', 'a.jpg']);
    expect(plan.failures).toHaveLength(3);
    expect(plan.failures[0]).toEqual({ path: text, reason: expect.stringMatching(/^not an image file \(.*\.md/) });
    expect(plan.failures[1]).toEqual({ path: bare, reason: expect.stringMatching(/^not an image file \(/) });
    expect(plan.failures[2]).toEqual({ path: missing, reason: expect.stringContaining('not found') });
    expect(plan.skipped).toBe(0);
  });

  it('plans a file once when it is named and also inside a named folder', async () => {
    const root = tmpDir();
    const a = await jpeg(path.join(root, 'a.jpg'));
    const plan = await planImages([a, root, root]);
    expect(plan.images.map((i) => i.path)).toEqual([a]);
  });

  it('follows a symlinked folder once and does not loop on a link back up the tree', async () => {
    const root = tmpDir();
    const outside = tmpDir();
    await jpeg(path.join(root, 'in', 'a.jpg'));
    await jpeg(path.join(outside, 'b.jpg'));
    fs.symlinkSync(outside, path.join(root, 'link1'), 'dir');
    fs.symlinkSync(outside, path.join(root, 'link2'), 'dir');
    fs.symlinkSync(root, path.join(root, 'in', 'loop'), 'dir');

    const plan = await planImages([root]);

    const files = plan.images.map((i) => path.basename(i.path)).sort();
    expect(files).toEqual(['a.jpg', 'b.jpg']);
  });

  it('stops with a cancelled error when the signal is aborted', async () => {
    const root = tmpDir();
    await jpeg(path.join(root, 'a.jpg'));
    await expect(planImages([root], aborted())).rejects.toMatchObject({ code: 'cancelled' });
  });
});
