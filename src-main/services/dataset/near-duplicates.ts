/**
 * Near-duplicate images by their 64-bit difference hashes, without comparing every pair.
 *
 * Pigeonhole: cut the 64 bits into 7 bands (six of 9 bits, one of 10). Two hashes at most 6 bits
 * apart differ in at most 6 bands, so they agree exactly on at least one: only hashes that share
 * a band's value are compared. Random hashes share a 9-bit band with 1 in 512 others, so 100,000
 * images cost about 7 × 100,000² / 2 / 512 ≈ 70 M cheap comparisons instead of 5 G.
 *
 * Identical hashes (the same picture saved twice, blank frames) are grouped first and compared
 * once, so a thousand black frames cost one comparison, not half a million.
 */

/** A pair of near-duplicate images, `a < b`. */
export interface NearDuplicatePair {
  a: number;
  b: number;
  distance: number;
}

export interface NearDuplicateResult {
  /** Every pair within the distance. */
  count: number;
  /** The first `limit` pairs, ordered by image ids. */
  pairs: NearDuplicatePair[];
}

const BAND_BITS = [9, 9, 9, 9, 9, 9, 10];
/** Comparisons between handing the event loop back. */
const YIELD_EVERY = 2_000_000;

/**
 * @param hashes image id → dHash (16 hex digits); malformed ones are ignored
 * @param maxDistance at most 6, the most the 7 bands guarantee to find
 * @param limit how many pairs to list (all are counted)
 */
export async function findNearDuplicates(hashes: Iterable<{ id: number; dhash: string }>, maxDistance = 6, limit = 200): Promise<NearDuplicateResult> {
  if (maxDistance > BAND_BITS.length - 1) throw new Error(`findNearDuplicates finds distances up to ${BAND_BITS.length - 1}, not ${maxDistance}`);

  // Group images by identical hash: each distinct hash is one entry.
  const groups = new Map<string, number[]>();
  let seen = 0;
  for (const { id, dhash } of hashes) {
    if (++seen % 20_000 === 0) await yieldToEventLoop();
    if (!/^[0-9a-f]{16}$/.test(dhash)) continue;
    const g = groups.get(dhash);
    if (g) g.push(id);
    else groups.set(dhash, [id]);
  }
  const members = [...groups.values()].map((ids) => ids.sort((x, y) => x - y));
  const n = members.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  let k = 0;
  for (const dhash of groups.keys()) {
    hi[k] = parseInt(dhash.slice(0, 8), 16) >>> 0;
    lo[k] = parseInt(dhash.slice(8), 16) >>> 0;
    k++;
  }

  const collector = new PairCollector(limit);
  for (const ids of members) collector.within(ids);
  await yieldToEventLoop();

  const found = new Set<number>();
  let comparisons = 0;
  let start = 0;
  for (const bits of BAND_BITS) {
    const values = new Uint32Array(n);
    for (let i = 0; i < n; i++) values[i] = band(hi[i], lo[i], start, bits);
    start += bits;
    // Counting sort by band value: each bucket is a run of `order`.
    const size = 1 << bits;
    const offsets = new Uint32Array(size + 1);
    for (let i = 0; i < n; i++) offsets[values[i] + 1]++;
    for (let v = 0; v < size; v++) offsets[v + 1] += offsets[v];
    const order = new Uint32Array(n);
    const cursor = offsets.slice(0, size);
    for (let i = 0; i < n; i++) order[cursor[values[i]]++] = i;
    await yieldToEventLoop();

    for (let v = 0; v < size; v++) {
      const end = offsets[v + 1];
      for (let p = offsets[v]; p < end; p++) {
        const i = order[p];
        for (let q = p + 1; q < end; q++) {
          const j = order[q];
          const d = popcount(hi[i] ^ hi[j]) + popcount(lo[i] ^ lo[j]);
          if (d > maxDistance) continue;
          // Close pairs agree on several bands: count each once.
          const key = i < j ? i * n + j : j * n + i;
          if (found.has(key)) continue;
          found.add(key);
          collector.between(members[i], members[j], d);
        }
        comparisons += end - p - 1;
        if (comparisons > YIELD_EVERY) {
          comparisons = 0;
          await yieldToEventLoop();
        }
      }
    }
  }
  return collector.result();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Bits [start, start + length) of the 64-bit value hi:lo, counted from the most significant. */
function band(hi: number, lo: number, start: number, length: number): number {
  let v = 0;
  for (let bit = start; bit < start + length; bit++) {
    const b = bit < 32 ? (hi >>> (31 - bit)) & 1 : (lo >>> (63 - bit)) & 1;
    v = (v << 1) | b;
  }
  return v;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Counts pairs between groups of images and keeps the first few to show. */
class PairCollector {
  private count = 0;
  private readonly pairs: NearDuplicatePair[] = [];

  constructor(private readonly limit: number) {}

  within(ids: readonly number[]): void {
    this.count += (ids.length * (ids.length - 1)) / 2;
    for (let x = 0; x < ids.length && this.pairs.length < this.limit; x++) {
      for (let y = x + 1; y < ids.length && this.pairs.length < this.limit; y++) this.pairs.push({ a: ids[x], b: ids[y], distance: 0 });
    }
  }

  between(left: readonly number[], right: readonly number[], distance: number): void {
    this.count += left.length * right.length;
    for (let x = 0; x < left.length && this.pairs.length < this.limit; x++) {
      for (let y = 0; y < right.length && this.pairs.length < this.limit; y++) {
        const [a, b] = left[x] < right[y] ? [left[x], right[y]] : [right[y], left[x]];
        this.pairs.push({ a, b, distance });
      }
    }
  }

  result(): NearDuplicateResult {
    return { count: this.count, pairs: [...this.pairs].sort((p, q) => p.a - q.a || p.b - q.b) };
  }
}
