import { describe, expect, it } from 'vitest';
import { findNearDuplicates } from '../../../../src-main/services/dataset/near-duplicates.js';
import { openStudio } from '../studio/studio-fixture.js';

/** A seeded generator: the same "random" hashes every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    return s / 2 ** 32;
  };
}

const randomHash = (rand: () => number) =>
  Array.from({ length: 4 }, () =>
    Math.floor(rand() * 0x10000)
      .toString(16)
      .padStart(4, '0'),
  ).join('');

/** `hash` with `bits` distinct bits flipped. */
function flip(hash: string, bits: number, rand: () => number): string {
  const value = BigInt(`0x${hash}`);
  const chosen = new Set<number>();
  while (chosen.size < bits) chosen.add(Math.floor(rand() * 64));
  let out = value;
  for (const b of chosen) out ^= 1n << BigInt(b);
  return out.toString(16).padStart(16, '0');
}

function distance(a: string, b: string): number {
  const bits = (x: number) => {
    let n = 0;
    for (let v = x; v !== 0; v = (v & (v - 1)) >>> 0) n++;
    return n;
  };
  return bits((parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) >>> 0) + bits((parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)) >>> 0);
}

describe('findNearDuplicates', () => {
  it('finds exactly the pairs a comparison of every pair finds', async () => {
    const rand = random(3);
    // Clusters of hashes a few bits apart, so there are pairs at every distance around the limit.
    const hashes: { id: number; dhash: string }[] = [];
    for (let c = 0; c < 150; c++) {
      const center = randomHash(rand);
      for (let k = 0; k < 8; k++) hashes.push({ id: hashes.length + 1, dhash: flip(center, Math.floor(rand() * 9), rand) });
    }
    const expected: string[] = [];
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) if (distance(hashes[i].dhash, hashes[j].dhash) <= 6) expected.push(`${hashes[i].id}-${hashes[j].id}`);
    }
    const found = await findNearDuplicates(hashes, 6, 1_000_000);
    expect(found.pairs.map((p) => `${p.a}-${p.b}`).sort()).toEqual(expected.sort());
    expect(found.count).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(500);
  });

  it('counts identical hashes as pairs without comparing each', async () => {
    const hashes = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, dhash: '0000000000000000' }));
    const found = await findNearDuplicates([...hashes, { id: 5000, dhash: '0000000000000007' }, { id: 6000, dhash: 'ffffffffffffffff' }], 6, 10);
    expect(found.count).toBe((2000 * 1999) / 2 + 2000);
    expect(found.pairs).toHaveLength(10);
  });
});

describe('stats.health: near duplicates among 20,000 images', () => {
  it('finds exactly the planted pairs', async () => {
    const s = await openStudio();
    const rand = random(11);
    const store = s.store();
    const planted = new Set<string>();
    const insert = (dhash: string) => {
      const id = s.addImages(1)[0];
      store.db.prepare('UPDATE images SET dhash = ? WHERE id = ?').run(dhash, id);
      return id;
    };
    store.db.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert(randomHash(rand));
      // Pairs at every distance the check must find, and decoys just past it.
      for (let k = 0; k < 42; k++) {
        const base = randomHash(rand);
        const a = insert(base);
        const b = insert(flip(base, k % 7, rand));
        planted.add(`${a}-${b}`);
      }
      for (let k = 0; k < 20; k++) {
        const base = randomHash(rand);
        insert(base);
        insert(flip(base, 7 + (k % 3), rand));
      }
    })();

    const health = await s.api.stats.health();
    const found = health.problems.filter((p) => p.kind === 'near_duplicate').map((p) => `${p.imageId}-${p.otherImageId}`);
    expect(new Set(found)).toEqual(planted);
    expect(health.problemCounts.near_duplicate).toBe(42);
    expect(health.images).toBe(20_000 + 84 + 40);
  });
});
