/**
 * Train/val/test assignment: deterministic by seed, stratified by class, respectful of pinned
 * images. The same project and seed always give the same split, whatever order the images
 * arrive in, so an export can be reproduced and a model's val score compared across runs.
 */
import { createHash } from 'node:crypto';
import { SPLITS, StudioError, type Split } from '@shared';

export type SplitRatioTuple = readonly [number, number, number];

/** train, val, test: what Ultralytics' own tooling and most tutorials use. */
export const DEFAULT_SPLIT: SplitRatioTuple = Object.freeze([0.8, 0.1, 0.1] as const);

export interface SplitItem {
  id: number;
  /** The classes the image holds (boxes or tags); repeats are fine. */
  classIds: readonly number[];
  split: Split | null;
  /** A pinned image keeps its split and counts toward that split's share; pinned without a split, it is split like the rest. */
  pinned: boolean;
}

const NO_CLASS = -1;
/** Shares below this are rounding noise (0.1 * 30 is 3.0000000000000004). */
const EPSILON = 1e-9;

/**
 * Assigns every item a split.
 *
 * An image's stratum is its rarest class over the whole set (images without a class share one
 * stratum), so a class seen on ten images lands about 8/1/1 and never all in train. Each stratum
 * is cut by largest-remainder rounding, every split within one image of its exact share; the
 * rounding error is carried from stratum to stratum, so the totals stay close to the ratios too.
 * Within a stratum the order is a seeded hash of each id: adding images moves few others.
 *
 * @param items the images; their order does not matter
 * @param ratios train, val, test shares; scaled to add up to 1
 * @param seed any integer; another seed gives another split
 * @returns each item's split, by id (pinned items included, with their own split)
 */
export function assignSplits(items: readonly SplitItem[], ratios: SplitRatioTuple, seed: number): Map<number, Split> {
  const shares = normalize(ratios);
  const byId = new Map<number, SplitItem>();
  for (const item of [...items].sort((a, b) => a.id - b.id)) if (!byId.has(item.id)) byId.set(item.id, item);
  const sorted = [...byId.values()];

  const strata = groupByRarestClass(sorted);
  const result = new Map<number, Split>();
  const assigned = [0, 0, 0];
  let seen = 0;

  for (const stratum of strata) {
    const n = stratum.length;
    const pinnedCounts = [0, 0, 0];
    const free: SplitItem[] = [];
    for (const item of stratum) {
      if (item.pinned && item.split) {
        pinnedCounts[SPLITS.indexOf(item.split)]++;
        result.set(item.id, item.split);
      } else {
        free.push(item);
      }
    }

    const targets = stratumTargets(n, shares, assigned, seen);
    const counts = fillFree(free.length, targets, pinnedCounts);

    const order = shuffled(free, seed);
    let cursor = 0;
    SPLITS.forEach((split, s) => {
      for (let k = 0; k < counts[s]; k++) result.set(order[cursor++].id, split);
      assigned[s] += counts[s] + pinnedCounts[s];
    });
    seen += n;
  }
  return result;
}

function normalize(ratios: SplitRatioTuple): [number, number, number] {
  const sum = ratios[0] + ratios[1] + ratios[2];
  if (ratios.some((r) => !Number.isFinite(r) || r < 0) || !(sum > 0)) {
    throw new StudioError('invalid_input', `Split ratios must be three shares of at least 0 that add up to more than 0; got ${ratios.join(', ')}.`);
  }
  return [ratios[0] / sum, ratios[1] / sum, ratios[2] / sum];
}

/** Groups items by their rarest class (fewest images over the whole set; ties: lower id). */
function groupByRarestClass(items: readonly SplitItem[]): SplitItem[][] {
  const frequency = new Map<number, number>();
  for (const item of items) for (const c of new Set(item.classIds)) frequency.set(c, (frequency.get(c) ?? 0) + 1);

  const groups = new Map<number, SplitItem[]>();
  for (const item of items) {
    let key = NO_CLASS;
    let best = Infinity;
    for (const c of item.classIds) {
      const f = frequency.get(c)!;
      if (f < best || (f === best && c < key)) {
        best = f;
        key = c;
      }
    }
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  // Small strata first: the big ones that follow absorb their rounding error best.
  return [...groups.entries()].sort(([ka, a], [kb, b]) => a.length - b.length || ka - kb).map(([, g]) => g);
}

/**
 * How many of a stratum's `n` images each split should hold: floor of its share, the seats left
 * over going to the splits furthest behind their share of everything cut so far. Each split
 * ends within one image of its exact share of the stratum.
 */
function stratumTargets(n: number, shares: readonly number[], assigned: readonly number[], seen: number): number[] {
  const exact = shares.map((r) => r * n);
  const targets = exact.map((q) => Math.floor(q + EPSILON));
  let left = n - targets.reduce((a, b) => a + b, 0);
  const candidates = [0, 1, 2]
    .map((s) => ({
      s,
      eligible: exact[s] - targets[s] > EPSILON ? 1 : 0,
      deficit: shares[s] * (seen + n) - (assigned[s] + targets[s]),
    }))
    .sort((a, b) => b.eligible - a.eligible || b.deficit - a.deficit || a.s - b.s);
  for (const c of candidates) {
    if (left <= 0) break;
    targets[c.s]++;
    left--;
  }
  return targets;
}

/**
 * Splits the stratum's unpinned images so that, with the pinned ones, each split comes as near
 * its target as it can: one at a time to the split furthest below it. A split whose pinned
 * images already exceed its target gets none.
 */
function fillFree(free: number, targets: readonly number[], pinned: readonly number[]): number[] {
  const counts = [0, 0, 0];
  for (let k = 0; k < free; k++) {
    let best = 0;
    for (let s = 1; s < 3; s++) {
      if (targets[s] - pinned[s] - counts[s] > targets[best] - pinned[best] - counts[best]) best = s;
    }
    counts[best]++;
  }
  return counts;
}

/** A seeded order that depends only on each id, not on which other images are present. */
function shuffled(items: readonly SplitItem[], seed: number): SplitItem[] {
  const keyed = items.map((item) => ({ item, key: createHash('sha256').update(`${seed}:${item.id}`).digest('hex').slice(0, 16) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.item.id - b.item.id));
  return keyed.map((k) => k.item);
}
