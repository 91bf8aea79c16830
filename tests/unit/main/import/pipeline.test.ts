import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { runImport } from '../../../../src-main/services/import/pipeline.js';
import type { ImportPlan, PlannedImage } from '../../../../src-main/services/import/plan.js';
import { makeBmp, makeImage, makePngBomb, makeTruncatedJpeg, tempDir } from '../../helpers/images.js';

function project(task: 'detect' | 'classify' = 'detect') {
  const store = ProjectStore.create(path.join(tempDir(), 'project'), { name: 'p', task });
  return { store, media: new MediaStore(store.paths) };
}

const plan = (images: PlannedImage[], classNames: string[] = []): ImportPlan => ({ format: 'images', classNames, images, failures: [], skipped: 0 });
const plain = (p: string): PlannedImage => ({ path: p, labels: [], labeled: false });

describe('runImport', () => {
  it('imports every good file, reports every bad one, and goes on past them', async () => {
    const src = tempDir();
    const good = await Promise.all([1, 2, 3].map((s) => makeImage(path.join(src, `g${s}.jpg`), { seed: s })));
    const png = await makeImage(path.join(src, 'p.png'), { format: 'png', seed: 4 });
    const bmp = makeBmp(path.join(src, 'b.bmp'), 8, 8, () => [1, 2, 3]);
    const zero = path.join(src, 'zero.jpg');
    fs.writeFileSync(zero, '');
    const text = path.join(src, 'text.jpg');
    fs.writeFileSync(text, 'not a picture');
    const truncated = await makeTruncatedJpeg(path.join(src, 'half.jpg'));
    const bomb = await makePngBomb(path.join(src, 'bomb.png'));
    const missing = path.join(src, 'gone.jpg');

    const { store, media } = project();
    const report = await runImport(store, media, plan([...good, png, bmp, zero, text, truncated, bomb, missing].map(plain)));

    expect(report.imported).toBe(5);
    expect(report.failed.map((f) => [path.basename(f.path), f.reason.split(' ')[0]]).sort()).toEqual([
      ['bomb.png', 'too'],
      ['gone.jpg', 'file'],
      ['half.jpg', 'truncated'],
      ['text.jpg', 'not'],
      ['zero.jpg', 'empty'],
    ]);
    expect(store.images.count()).toBe(5);
    for (const img of store.images.iterate()) {
      const ext = store.images.stored(img.id)!.ext;
      expect(fs.readFileSync(media.mediaPath(img.hash, ext))).toEqual(fs.readFileSync(img.originalPath));
      expect(fs.existsSync(media.thumbPath(img.hash))).toBe(true);
    }
    // Every image gets its difference hash for the near-duplicate check, and no two are alike.
    const dhashes = store.db.prepare('SELECT dhash FROM images').pluck().all() as string[];
    expect(dhashes.every((h) => /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect(new Set(dhashes).size).toBe(5);
    store.dispose();
  });

  it('finds duplicates by content, and a second run adds nothing', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'), { seed: 1 });
    fs.copyFileSync(a, path.join(src, 'copy-of-a.jpg'));
    const b = await makeImage(path.join(src, 'b.jpg'), { seed: 2 });
    const { store, media } = project();
    const classes = ['cat'];
    const items = (): PlannedImage[] => [
      { path: a, labels: [{ kind: 'box', className: 'cat', x: 0.1, y: 0.1, w: 0.5, h: 0.5, normalized: true }], labeled: true },
      plain(path.join(src, 'copy-of-a.jpg')),
      plain(b),
    ];
    const first = await runImport(store, media, plan(items(), classes));
    expect(first).toMatchObject({ imported: 2, duplicates: 1, annotations: 1 });
    const second = await runImport(store, media, plan(items(), classes));
    expect(second).toMatchObject({ imported: 0, duplicates: 3, annotations: 0 });
    expect(store.images.count()).toBe(2);
    expect(store.annotations.count()).toBe(1);
    store.dispose();
  });

  it('keeps the labels of a labeled file whose unlabeled copy was reached first in the same import', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'), { width: 100, height: 50, seed: 3 });
    fs.copyFileSync(a, path.join(src, 'a-copy.jpg'));
    const { store, media } = project();
    const labeled: PlannedImage = { path: a, split: 'train', labels: [{ kind: 'box', className: 'cat', x: 10, y: 5, w: 20, h: 10, normalized: false }], labeled: true };
    // One worker, the unlabeled copy first: it is the one stored, and the labels must follow it.
    const report = await runImport(store, media, plan([plain(path.join(src, 'a-copy.jpg')), labeled], ['cat']), { concurrency: 1 });
    expect(report).toMatchObject({ imported: 1, duplicates: 1, annotations: 1 });
    const [img] = [...store.images.iterate()];
    expect(img).toMatchObject({ status: 'done', split: 'train', annotationCount: 1 });
    const again = await runImport(store, media, plan([plain(path.join(src, 'a-copy.jpg')), labeled], ['cat']), { concurrency: 1 });
    expect(again).toMatchObject({ imported: 0, duplicates: 2, annotations: 0 });
    expect(store.annotations.count()).toBe(1);
    store.dispose();
  });

  it('stores the first copy in the folder’s order, with its name and labels, though a worker reached a later copy first', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'), { width: 100, height: 50, seed: 5 });
    const copy = path.join(src, 'z-copy.jpg');
    const other = path.join(src, 'z-other.jpg');
    fs.copyFileSync(a, copy);
    fs.copyFileSync(a, other);
    const box = (x: number) => ({ kind: 'box' as const, className: 'cat', x, y: 5, w: 20, h: 10, normalized: false });
    const items: PlannedImage[] = [
      { path: a, split: 'train', labels: [box(10)], labeled: true },
      plain(copy),
      { path: other, split: 'val', labels: [box(50)], labeled: true },
    ];
    // The first file's read waits until a worker has finished a later copy: that copy is claimed first.
    let laterDone!: () => void;
    const later = new Promise<void>((resolve) => (laterDone = resolve));
    const stat = fs.promises.stat;
    const spy = vi.spyOn(fs.promises, 'stat').mockImplementation((async (file: fs.PathLike, ...rest: unknown[]) => {
      if (file === a) await later;
      return (stat as (...args: unknown[]) => Promise<fs.Stats>)(file, ...rest);
    }) as typeof fs.promises.stat);
    const { store, media } = project();
    try {
      const report = await runImport(store, media, plan(items, ['cat']), { concurrency: 2, onProgress: (p) => p.done >= 1 && laterDone() });
      expect(report).toMatchObject({ imported: 1, duplicates: 2, annotations: 1 });
    } finally {
      spy.mockRestore();
    }
    const [img] = [...store.images.iterate()];
    expect(img).toMatchObject({ name: 'a.jpg', originalPath: a, status: 'done', split: 'train', annotationCount: 1 });
    expect(store.annotations.forImage(img.id).map((b) => (b.kind === 'box' ? b.x : null))).toEqual([10]);
    store.dispose();
  });

  it('fills in labels for images imported earlier without them, but never twice', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'), { width: 100, height: 50 });
    const { store, media } = project();
    await runImport(store, media, plan([plain(a)]));
    const labeled: PlannedImage = { path: a, split: 'val', labels: [{ kind: 'box', className: 'dog', x: 10, y: 5, w: 20, h: 10, normalized: false }], labeled: true };
    const report = await runImport(store, media, plan([labeled], ['dog']));
    expect(report).toMatchObject({ imported: 0, duplicates: 1, annotations: 1 });
    const [img] = [...store.images.iterate()];
    expect(img).toMatchObject({ status: 'done', split: 'val', annotationCount: 1 });
    await runImport(store, media, plan([labeled], ['dog']));
    expect(store.annotations.count()).toBe(1);
    store.dispose();
  });

  it('turns normalized boxes into pixels and clamps them to the image', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'), { width: 200, height: 100 });
    const { store, media } = project();
    const report = await runImport(
      store,
      media,
      plan(
        [
          {
            path: a,
            labeled: true,
            labelSource: 'labels/a.txt',
            labels: [
              { kind: 'box', className: 'c', x: 0.25, y: 0.5, w: 0.5, h: 0.25, normalized: true },
              { kind: 'box', className: 'c', x: -0.1, y: 0.9, w: 0.3, h: 0.3, normalized: true },
              { kind: 'box', className: 'c', x: 1.5, y: 0.2, w: 0.1, h: 0.1, normalized: true },
            ],
          },
        ],
        ['c'],
      ),
    );
    const boxes = store.annotations.forImage(1).map((b) => (b.kind === 'box' ? [b.x, b.y, b.w, b.h] : []));
    expect(boxes[0]).toEqual([50, 50, 100, 25]);
    expect(boxes[1].map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 90, 40, 10]);
    expect(boxes).toHaveLength(2);
    expect(report.failed).toEqual([{ path: 'labels/a.txt', reason: expect.stringMatching(/outside the 200×100 image/) }]);
    store.dispose();
  });

  it('stops when cancelled and keeps what it finished', async () => {
    const src = tempDir();
    const files = await Promise.all(Array.from({ length: 30 }, (_, i) => makeImage(path.join(src, `${i}.jpg`), { seed: i + 1 })));
    const { store, media } = project();
    const controller = new AbortController();
    // Cancelled once the 5th image's file is stored: at that point of the import whatever the
    // machine's speed (progress is reported at most every 100 ms, so cancelling from it would
    // land anywhere, even after the last file).
    const putMedia = media.putMedia.bind(media);
    let stored = 0;
    vi.spyOn(media, 'putMedia').mockImplementation(async (...args) => {
      const file = await putMedia(...args);
      if (++stored === 5) controller.abort();
      return file;
    });
    let seen = 0;
    const report = await runImport(store, media, plan(files.map(plain)), {
      signal: controller.signal,
      concurrency: 1,
      onProgress: (p) => (seen = p.done),
    });
    expect(report.cancelled).toBe(true);
    expect(report.imported).toBe(5);
    expect(store.images.count()).toBe(5);
    expect(seen).toBe(5);
    vi.restoreAllMocks();
    const rest = await runImport(store, media, plan(files.map(plain)));
    expect(rest.imported + report.imported).toBe(30);
    store.dispose();
  });

  it('stores image tags for classification projects and ignores boxes there', async () => {
    const src = tempDir();
    const a = await makeImage(path.join(src, 'a.jpg'));
    const { store, media } = project('classify');
    await runImport(store, media, plan([{ path: a, labeled: true, split: 'train', labels: [{ kind: 'tag', className: 'sunny' }] }], ['sunny']));
    expect(store.annotations.forImage(1)).toEqual([expect.objectContaining({ kind: 'tag', classId: store.classes.byName('sunny')!.id })]);
    expect(store.images.get(1)).toMatchObject({ status: 'done', split: 'train' });
    store.dispose();
  });
});
