import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { AnnotationChange, DatasetHealth } from '@shared';
import { tempDir } from '../../helpers/images.js';
import { classIds, openStudio } from '../studio/studio-fixture.js';

/**
 * A picture of 9 × 8 grey blocks from a seeded pattern, neighbours far apart in brightness: two
 * patterns share no structure, while the same pattern at another size or in another format is a
 * near duplicate.
 */
async function patternImage(file: string, seed: number, scale: number, format: 'png' | 'jpeg'): Promise<string> {
  let s = seed * 7919 + 17;
  const next = () => {
    s = (s * 48271) % 2147483647;
    return s;
  };
  const grey = Buffer.alloc(9 * 8);
  for (let i = 0; i < grey.length; i++) {
    do grey[i] = 20 + (next() % 216);
    while (i % 9 > 0 && Math.abs(grey[i] - grey[i - 1]) < 24);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(grey, { raw: { width: 9, height: 8, channels: 1 } })
    .resize(9 * scale, 8 * scale, { kernel: 'nearest' })
    .toFormat(format)
    .toFile(file);
  return file;
}

const box = (id: string, classId: number, x: number, y: number, w: number, h: number): AnnotationChange => ({
  op: 'create',
  annotation: { id, classId, kind: 'box', x, y, w, h },
});

const total = (h: { counts: number[] }) => h.counts.reduce((a, b) => a + b, 0);

describe('stats.health', () => {
  async function plantedProject() {
    const src = tempDir();
    const files = [];
    for (let seed = 1; seed <= 6; seed++) files.push(await patternImage(path.join(src, `p${seed}.png`), seed, 20, 'png'));
    // The first picture again, twice the size and as a JPEG: other bytes, the same picture.
    files.push(await patternImage(path.join(src, 'p1-large.jpg'), 1, 40, 'jpeg'));
    const s = await openStudio({ classes: ['car', 'bus', 'unused'] });
    const job = await s.importFiles(files);
    expect(job).toMatchObject({ status: 'ok', report: { imported: 7 } });
    const byName = new Map((await s.api.images.list({})).items.map((i) => [i.name, i.id]));
    const id = (name: string) => byName.get(name)!;
    const { car, bus } = await classIds(s.api);

    // p2 (180 × 160): a good box, a 3 px wide one, and one thinner than a pixel.
    await s.api.annotations.apply({ imageId: id('p2.png'), changes: [box('good-1', car, 10, 10, 40, 40), box('tiny-1', car, 60, 10, 3, 20), box('flat', bus, 100, 10, 0.5, 20)] });
    // p3: a good box, and one reaching past the image that only an old import could have stored.
    await s.api.annotations.apply({ imageId: id('p3.png'), changes: [box('good-2', bus, 10, 10, 60, 30)] });
    s.store().annotations.insertMany(id('p3.png'), [{ id: 'outside', kind: 'box', classId: car, x: -5, y: 20, w: 40, h: 40 }]);
    // A 1000 × 1000 image (a row only) with a 5 × 5 box: wide enough sides, too small a share.
    const [big] = s.addImages(1, { width: 1000, height: 1000 });
    await s.api.annotations.apply({ imageId: big, changes: [box('speck', car, 500, 500, 5, 5), box('good-3', car, 100, 100, 200, 100)] });
    // p4: looked at, nothing in it.
    await s.api.images.setStatus({ ids: [id('p4.png')], status: 'done' });
    return { s, id, big, car, bus };
  }

  it('finds each planted problem and nothing else', async () => {
    const { s, id, big } = await plantedProject();
    const health = await s.api.stats.health();
    expect(health.problems.map((p) => [p.kind, p.imageId, p.annotationId ?? p.otherImageId])).toEqual([
      ['degenerate_box', id('p2.png'), 'flat'],
      ['out_of_bounds_box', id('p3.png'), 'outside'],
      ['tiny_box', id('p2.png'), 'tiny-1'],
      ['tiny_box', big, 'speck'],
      ['near_duplicate', id('p1.png'), id('p1-large.jpg')],
    ]);
    expect(health.problemCounts).toEqual({ tiny_box: 2, degenerate_box: 1, out_of_bounds_box: 1, near_duplicate: 1 });
    expect(health.problems[0].detail).toMatch(/0\.5 × 20 px/);
  });

  it('charts classes, boxes and image sizes', async () => {
    const { s, car, bus } = await plantedProject();
    const health: DatasetHealth = await s.api.stats.health();
    expect(health.images).toBe(8);
    expect(health.classDistribution).toEqual([
      { classId: car, name: 'car', color: expect.stringMatching(/^#[0-9a-f]{6}$/), annotations: 5, images: 3 },
      { classId: bus, name: 'bus', color: expect.stringMatching(/^#[0-9a-f]{6}$/), annotations: 2, images: 2 },
      expect.objectContaining({ name: 'unused', annotations: 0, images: 0 }),
    ]);
    // Labeled: p2 (3 boxes), p3 (2), the big one (2), p4 (done, none). Unlabeled: p1, p5, p6, p1-large.
    expect(health.unlabeledImages).toBe(4);
    expect(health.emptyImages).toBe(1);
    expect(health.boxesPerImage).toEqual({ edges: [0, 1, 2, 3, 4], counts: [1, 0, 2, 1] });
    expect(total(health.boxWidth)).toBe(7);
    expect(health.boxWidth.edges).toHaveLength(21);
    expect(health.boxWidth.edges[20]).toBe(1);
    // The 60 × 30 box of a 180-wide image is a third of its width, twice as wide as tall.
    expect(health.boxWidth.counts[6]).toBe(1);
    expect(health.boxAspect.edges[0]).toBe(-4);
    expect(health.boxAspect.edges.at(-1)).toBe(4);
    const aspectBin = (v: number) => health.boxAspect.edges.findIndex((e, i) => v >= e && v < health.boxAspect.edges[i + 1]);
    expect(health.boxAspect.counts[aspectBin(1)]).toBe(2); // 60 × 30, 200 × 100
    expect(health.boxAspect.counts[aspectBin(0)]).toBe(3); // 40 × 40, 40 × 40 (outside), 5 × 5
    expect(health.boxAspect.counts[0]).toBe(1); // 0.5 × 20: log2 = -5.3, in the first bin
    expect(health.imageSizes).toEqual([
      { width: 180, height: 160, count: 6 },
      { width: 1000, height: 1000, count: 1 },
      { width: 360, height: 320, count: 1 },
    ]);
  });

  it('computes the hashes that older images lack, the same as an import does', async () => {
    const { s, id } = await plantedProject();
    const db = s.store().db;
    const atImport = db.prepare('SELECT id, dhash FROM images WHERE dhash IS NOT NULL ORDER BY id').all();
    expect(atImport).toHaveLength(7);
    db.prepare('UPDATE images SET dhash = NULL').run();
    fs.rmSync(s.studio.session.require().media.thumbPath(s.store().images.get(id('p1-large.jpg')).hash));

    const health = await s.api.stats.health();
    expect(db.prepare('SELECT id, dhash FROM images WHERE dhash IS NOT NULL ORDER BY id').all()).toHaveLength(7);
    expect(health.problems.filter((p) => p.kind === 'near_duplicate').map((p) => [p.imageId, p.otherImageId])).toEqual([[id('p1.png'), id('p1-large.jpg')]]);
    const fromThumbs = db.prepare('SELECT id, dhash FROM images WHERE dhash IS NOT NULL AND id <> ? ORDER BY id').all(id('p1-large.jpg'));
    expect(fromThumbs).toEqual(atImport.filter((r) => (r as { id: number }).id !== id('p1-large.jpg')));
  });
});
