import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Split } from '@shared';
import { DEFAULT_SPLIT, assignSplits, type SplitItem } from '../../../../src-main/services/dataset/split.js';

const item = (id: number, classIds: number[] = [], split: Split | null = null, pinned = false): SplitItem => ({ id, classIds, split, pinned });

function tally(result: Map<number, Split>, ids?: Iterable<number>): Record<Split, number> {
  const out: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const id of ids ?? result.keys()) out[result.get(id)!]++;
  return out;
}

/** 90 images of class 1, 10 of class 2 (the rare one, half of them with class 1 too), 20 with no class. */
function dataset(): SplitItem[] {
  const items: SplitItem[] = [];
  for (let id = 1; id <= 90; id++) items.push(item(id, [1, 1]));
  for (let id = 91; id <= 100; id++) items.push(item(id, id % 2 ? [2, 1] : [2]));
  for (let id = 101; id <= 120; id++) items.push(item(id));
  return items;
}

describe('assignSplits', () => {
  it('gives the same split for the same seed, whatever the input order', () => {
    const items = dataset();
    const a = assignSplits(items, DEFAULT_SPLIT, 7);
    const b = assignSplits([...items].reverse(), DEFAULT_SPLIT, 7);
    const shuffled = [...items].sort((x, y) => ((x.id * 7919) % 113) - ((y.id * 7919) % 113));
    const c = assignSplits(shuffled, DEFAULT_SPLIT, 7);
    expect(a.size).toBe(120);
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    expect([...c.entries()].sort()).toEqual([...a.entries()].sort());
  });

  it('gives another split for another seed, with the same sizes', () => {
    const items = dataset();
    const a = assignSplits(items, DEFAULT_SPLIT, 1);
    const b = assignSplits(items, DEFAULT_SPLIT, 2);
    const moved = items.filter((i) => a.get(i.id) !== b.get(i.id)).length;
    expect(moved).toBeGreaterThan(5);
    expect(tally(b)).toEqual(tally(a));
  });

  it('puts a rare class into train, val and test in proportion', () => {
    const result = assignSplits(dataset(), DEFAULT_SPLIT, 3);
    const rare = Array.from({ length: 10 }, (_, k) => 91 + k);
    expect(tally(result, rare)).toEqual({ train: 8, val: 1, test: 1 });
    const common = Array.from({ length: 90 }, (_, k) => 1 + k);
    expect(tally(result, common)).toEqual({ train: 72, val: 9, test: 9 });
    const none = Array.from({ length: 20 }, (_, k) => 101 + k);
    expect(tally(result, none)).toEqual({ train: 16, val: 2, test: 2 });
  });

  it('keeps pinned images in their split and counts them toward the shares', () => {
    const items = Array.from({ length: 10 }, (_, k) => item(k + 1, [5], k < 5 ? 'val' : null, k < 5));
    // Not pinned: a stored split that may move.
    items.push(item(11, [6], 'test', false));
    const result = assignSplits(items, DEFAULT_SPLIT, 0);
    for (let id = 1; id <= 5; id++) expect(result.get(id)).toBe('val');
    // Val holds 5 of the stratum's 10 already, far over its share: the rest goes to train.
    expect(tally(result, [6, 7, 8, 9, 10])).toEqual({ train: 5, val: 0, test: 0 });
    expect(result.get(11)).toBe('train');
  });

  it('leaves a split with a zero share empty, and scales shares that do not add up to 1', () => {
    const items = Array.from({ length: 50 }, (_, k) => item(k + 1, [k % 3]));
    expect(tally(assignSplits(items, [0.5, 0.5, 0], 9))).toEqual({ train: 25, val: 25, test: 0 });
    expect(tally(assignSplits(items, [3, 1, 1], 9))).toEqual({ train: 30, val: 10, test: 10 });
  });

  it('puts a lone image in train', () => {
    expect(assignSplits([item(4, [1])], DEFAULT_SPLIT, 0)).toEqual(new Map([[4, 'train']]));
    expect(assignSplits([], DEFAULT_SPLIT, 0).size).toBe(0);
  });

  it('refuses shares that cannot be split by', () => {
    expect(() => assignSplits([item(1)], [0, 0, 0], 0)).toThrow(/Split ratios/);
    expect(() => assignSplits([item(1)], [-1, 1, 1], 0)).toThrow(/Split ratios/);
  });

  it('keeps every stratum within one image of each share, and the totals close to the ratios', () => {
    const ratios = fc.constantFrom<[number, number, number]>([0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.6, 0.2, 0.2], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]);
    const classes = fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 });
    fc.assert(
      fc.property(fc.array(classes, { minLength: 1, maxLength: 300 }), ratios, fc.integer({ min: 0, max: 1000 }), (classLists, r, seed) => {
        const items = classLists.map((c, k) => item(k + 1, c));
        const result = assignSplits(items, r, seed);
        expect(result.size).toBe(items.length);

        // The stratum of an image, as the split is specified: its rarest class over the set.
        const freq = new Map<number, number>();
        for (const i of items) for (const c of new Set(i.classIds)) freq.set(c, (freq.get(c) ?? 0) + 1);
        const strata = new Map<number, number[]>();
        for (const i of items) {
          const key = i.classIds.length ? [...i.classIds].sort((a, b) => freq.get(a)! - freq.get(b)! || a - b)[0] : -1;
          strata.set(key, [...(strata.get(key) ?? []), i.id]);
        }
        for (const ids of strata.values()) {
          const t = tally(result, ids);
          (['train', 'val', 'test'] as const).forEach((s, k) => expect(Math.abs(t[s] - r[k] * ids.length)).toBeLessThan(1 + 1e-9));
        }
        const all = tally(result);
        (['train', 'val', 'test'] as const).forEach((s, k) => expect(Math.abs(all[s] - r[k] * items.length)).toBeLessThan(1 + 1e-9));
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
