import { describe, expect, it } from 'vitest';
import type { Split } from '@shared';
import { classIds, closeStudio, openStudio, type OpenStudio } from '../studio/studio-fixture.js';

/** 100 images: every tenth holds a rare class, the rest a common one. */
async function labeled(count = 100): Promise<{ s: OpenStudio; ids: number[]; rare: number; common: number }> {
  const s = await openStudio({ classes: ['rare', 'common'] });
  const { rare, common } = await classIds(s.api);
  const ids = s.addImages(count);
  for (const [k, imageId] of ids.entries()) {
    const classId = k % 10 === 0 ? rare : common;
    await s.api.annotations.apply({ imageId, changes: [{ op: 'create', annotation: { id: `a${k}`, classId, kind: 'box', x: 1, y: 1, w: 5, h: 5 } }] });
  }
  return { s, ids, rare, common };
}

async function splitsOf(s: OpenStudio): Promise<Map<number, Split | null>> {
  const page = await s.api.images.list({ limit: 5000 });
  return new Map(page.items.map((i) => [i.id, i.split]));
}

describe('splits', () => {
  it('starts with 0.8/0.1/0.1, seed 0, every image unassigned', async () => {
    const { s, rare } = await labeled(20);
    const summary = await s.api.splits.get();
    expect(summary.settings).toEqual({ ratios: [0.8, 0.1, 0.1], seed: 0 });
    expect(summary.counts).toEqual({ train: 0, val: 0, test: 0, unassigned: 20 });
    expect(summary.pinned).toBe(0);
    expect(summary.perClass.find((c) => c.classId === rare)).toEqual({ classId: rare, name: 'rare', train: 0, val: 0, test: 0 });
  });

  it('splits every image by the ratios, stratified, the same way for the same seed', async () => {
    const { s, rare, common } = await labeled();
    const first = await s.api.splits.apply({ ratios: [0.7, 0.2, 0.1], seed: 7 });
    expect(first.counts).toEqual({ train: 70, val: 20, test: 10, unassigned: 0 });
    expect(first.settings).toEqual({ ratios: [0.7, 0.2, 0.1], seed: 7 });
    // Ten rare images land 7/2/1, never all in train.
    expect(first.perClass).toEqual([
      { classId: rare, name: 'rare', train: 7, val: 2, test: 1 },
      { classId: common, name: 'common', train: 63, val: 18, test: 9 },
    ]);
    const bySeven = await splitsOf(s);

    await s.api.splits.apply({ ratios: [0.7, 0.2, 0.1], seed: 8 });
    expect(await splitsOf(s)).not.toEqual(bySeven);
    await s.api.splits.apply({ ratios: [0.7, 0.2, 0.1], seed: 7 });
    expect(await splitsOf(s)).toEqual(bySeven);
  });

  it('leaves pinned images where the user put them', async () => {
    const { s, ids } = await labeled();
    await s.api.splits.apply({ ratios: [0.8, 0.1, 0.1], seed: 1 });
    const train = [...(await splitsOf(s))].filter(([, split]) => split === 'train').map(([id]) => id);
    const pinned = train.slice(0, 5);
    const summary = await s.api.splits.pin({ ids: pinned, split: 'test' });
    expect(summary.pinned).toBe(5);

    for (const seed of [2, 3]) {
      await s.api.splits.apply({ ratios: [1, 0, 0], seed });
      const now = await splitsOf(s);
      for (const id of pinned) expect(now.get(id)).toBe('test');
      expect([...now.values()].filter((split) => split === 'test')).toHaveLength(5);
    }
    expect(await s.api.images.get({ id: pinned[0] })).toMatchObject({ split: 'test', splitPinned: true });
    expect((await s.api.splits.get()).counts).toEqual({ train: ids.length - 5, val: 0, test: 5, unassigned: 0 });
  });

  it('gives an unpinned image its computed split back at once', async () => {
    const { s, ids } = await labeled();
    await s.api.splits.apply({ ratios: [0.8, 0.1, 0.1], seed: 4 });
    const before = await splitsOf(s);
    const moved = ids.filter((id) => before.get(id) !== 'val').slice(0, 3);
    await s.api.splits.pin({ ids: moved, split: 'val' });
    const summary = await s.api.splits.pin({ ids: moved, split: null });
    expect(summary.pinned).toBe(0);
    expect(await splitsOf(s)).toEqual(before);

    // An image added after the split was applied gets one when it is unpinned, too.
    const [late] = s.addImages(1);
    expect((await s.api.splits.get()).counts.unassigned).toBe(1);
    await s.api.splits.pin({ ids: [late], split: null });
    expect((await s.api.images.get({ id: late })).split).toMatch(/^(train|val|test)$/);
    expect((await s.api.splits.get()).counts.unassigned).toBe(0);
  });

  it('keeps its settings in the project', async () => {
    const { s } = await labeled(10);
    await s.api.splits.apply({ ratios: [0.5, 0.25, 0.25], seed: 42 });
    await closeStudio(s);
    const again = await openStudio({ dir: s.dir });
    expect((await again.api.splits.get()).settings).toEqual({ ratios: [0.5, 0.25, 0.25], seed: 42 });
  });

  it('refuses ratios that do not add up to 1', async () => {
    const { s } = await labeled(5);
    await expect(s.api.splits.apply({ ratios: [0.5, 0.5, 0.5], seed: 1 })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await s.api.splits.get()).counts.unassigned).toBe(5);
  });
});
