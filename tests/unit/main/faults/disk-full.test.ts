/**
 * A disk that fills up under an import or a labeling gesture, as the user meets it through the
 * API: the job ends with `disk_full` and a message that says what to do, the project stays whole
 * (integrity ok, no image row without its media file, every image with all its labels, no
 * temporary file left), and importing again once space is freed finishes the import with no
 * duplicates.
 *
 * Where a tmpfs can be mounted (root on Linux) one test fills a real small disk; the others run
 * everywhere, with the test doubles of full-disk.ts (ENOSPC from the media writes, SQLITE_FULL
 * through `max_page_count`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportReport, JobResult } from '@shared';
import { ProjectStore } from '../../../../src-main/services/store/project-store.js';
import { MediaStore } from '../../../../src-main/services/media/media-store.js';
import { tempDir } from '../../helpers/images.js';
import { openStudio, type OpenStudio } from '../studio/studio-fixture.js';
import { failFileWrites, fillDatabase, temporaryFiles, tmpfsDisk, type TmpfsDisk } from './full-disk.js';

const IMAGES = 40;
const DISK_FULL_MESSAGE = /^The disk is full: the import stopped\. Everything imported so far is kept; free some space and import again to finish\.$/;

const probe = tmpfsDisk(1 << 20);
const TMPFS = !('reason' in probe);
if ('reason' in probe) console.log(`skipped: the real full disk (${probe.reason}); the test doubles of a full disk still run`);
else probe.unmount();

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A YOLO dataset of noisy JPEGs (about 20 KB each, none alike), each with two boxes. */
async function dataset(count = IMAGES): Promise<string> {
  const dir = tempDir('reticle-full-src-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'images'));
  fs.mkdirSync(path.join(dir, 'labels'));
  fs.writeFileSync(path.join(dir, 'data.yaml'), 'train: images\nval: images\nnames: [thing, other]\n');
  let seed = 1;
  for (let i = 0; i < count; i++) {
    const raw = Buffer.alloc(160 * 120 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    await sharp(raw, { raw: { width: 160, height: 120, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(dir, 'images', `${i}.jpg`));
    fs.writeFileSync(path.join(dir, 'labels', `${i}.txt`), '0 0.5 0.5 0.25 0.25\n1 0.2 0.2 0.1 0.1\n');
  }
  return dir;
}

async function projectIn(parent: string): Promise<OpenStudio> {
  const dir = path.join(parent, 'project');
  ProjectStore.create(dir, { name: 'full', task: 'detect' }).dispose();
  return openStudio({ dir });
}

/** The project as a user would find it: whole, consistent, no leftovers. Returns how many images it holds. */
function expectWhole(store: ProjectStore): number {
  expect(store.integrityCheck()).toBe('ok');
  const media = new MediaStore(store.paths);
  const images = store.db.prepare('SELECT id, hash, ext, annotation_count FROM images').all() as { id: number; hash: string; ext: string; annotation_count: number }[];
  for (const image of images) {
    const file = media.mediaPath(image.hash, image.ext);
    expect(fs.existsSync(file), `media file of image ${image.id}`).toBe(true);
    expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(image.hash);
    expect(fs.existsSync(media.thumbPath(image.hash)), `thumbnail of image ${image.id}`).toBe(true);
    expect(image.annotation_count).toBe(2);
  }
  expect(store.annotations.count()).toBe(images.length * 2);
  expect(temporaryFiles(store.paths.root)).toEqual([]);
  return images.length;
}

/** The import stopped on the full disk; once space is freed, importing again finishes it. */
async function expectStoppedThenFinished(s: OpenStudio, source: string, stopped: JobResult, free: () => void): Promise<number> {
  expect(stopped.status).toBe('failed');
  expect(stopped.status === 'failed' && stopped.error).toEqual({ code: 'disk_full', message: expect.stringMatching(DISK_FULL_MESSAGE) });
  const kept = expectWhole(s.store());
  expect(kept).toBeLessThan(IMAGES);

  free();
  const again = await s.importFiles([source]);
  expect(again.status, JSON.stringify(again)).toBe('ok');
  const report = (again as Extract<JobResult, { kind: 'import'; status: 'ok' | 'cancelled' }>).report as ImportReport;
  expect(report.failed).toEqual([]);
  expect(report.duplicates).toBe(kept);
  expect(report.imported).toBe(IMAGES - kept);
  expect(expectWhole(s.store())).toBe(IMAGES);
  const hashes = s.store().db.prepare('SELECT COUNT(DISTINCT hash) FROM images').pluck().get();
  expect(hashes).toBe(IMAGES);
  return kept;
}

describe('a disk that fills up during an import', () => {
  it.skipIf(!TMPFS)('on a real full disk (tmpfs): stops with "The disk is full…", keeps the project whole, and finishes once space is freed', async () => {
    const source = await dataset();
    const disk = tmpfsDisk(1200 * 1024) as TmpfsDisk;
    const s = await projectIn(disk.dir);
    cleanups.push(() => disk.unmount());
    cleanups.push(() => void s.studio.dispose());
    const stopped = await s.importFiles([source]);
    await expectStoppedThenFinished(s, source, stopped, () => disk.grow(64 * 1024 * 1024));
    await s.studio.dispose();
    // A project that was full opens as any other.
    const reopened = ProjectStore.open(path.join(disk.dir, 'project'));
    expect(expectWhole(reopened)).toBe(IMAGES);
    reopened.dispose();
  }, 60_000);

  it('media writes that fail with ENOSPC part way (test double) stop it the same way, leaving no partial file', async () => {
    const source = await dataset();
    const parent = tempDir('reticle-full-');
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const s = await projectIn(parent);
    const fault = failFileWrites(s.store().paths.root, 10);
    cleanups.push(() => fault.restore());
    const stopped = await s.importFiles([source]);
    expect(fault.failed.length).toBeGreaterThan(0);
    const kept = await expectStoppedThenFinished(s, source, stopped, () => fault.restore());
    expect(kept).toBeGreaterThan(0); // what finished before the disk filled was kept
  }, 60_000);

  it('SQLite answering SQLITE_FULL (max_page_count) stops it the same way', async () => {
    const source = await dataset();
    const parent = tempDir('reticle-full-');
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const s = await projectIn(parent);
    const free = fillDatabase(s.store().db, 2);
    const stopped = await s.importFiles([source]);
    await expectStoppedThenFinished(s, source, stopped, free);
  }, 60_000);
});

describe('a disk that fills up while labeling', () => {
  it('a gesture that cannot be stored fails with disk_full and changes nothing; once space is freed it applies', async () => {
    const parent = tempDir('reticle-full-');
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const s = await projectIn(parent);
    const classId = (await s.api.classes.create({ name: 'thing' })).id;
    const [imageId] = s.addImages(1, { width: 640, height: 480 });
    await s.api.annotations.apply({ imageId, changes: [{ op: 'create', annotation: { id: 'kept', classId, kind: 'box', x: 10, y: 10, w: 50, h: 40 } }] });

    const free = fillDatabase(s.store().db);
    // A paste of many boxes needs new pages: it cannot all be stored, so none of it is.
    const paste = Array.from({ length: 400 }, (_, i) => ({ op: 'create' as const, annotation: { id: `p${i}`, classId, kind: 'box' as const, x: i % 600, y: 20, w: 30, h: 30 } }));
    const failed = await s.api.annotations.apply({ imageId, changes: [{ op: 'update', id: 'kept', patch: { x: 99 } }, ...paste] }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toMatchObject({ code: 'disk_full', message: expect.stringMatching(/^The disk is full: .*Free some space and try again\.$/) });
    const boxes = s.store().annotations.forImage(imageId);
    expect(boxes).toEqual([expect.objectContaining({ id: 'kept', x: 10, y: 10, w: 50, h: 40 })]);
    expect(s.store().integrityCheck()).toBe('ok');

    free();
    const applied = await s.api.annotations.apply({ imageId, changes: [{ op: 'update', id: 'kept', patch: { x: 99 } }, ...paste] });
    expect(applied.annotations).toHaveLength(401);
    expect(s.store().annotations.forImage(imageId).find((a) => a.id === 'kept')).toMatchObject({ x: 99 });
  });
});
