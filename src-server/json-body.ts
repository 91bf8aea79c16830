import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);

/** Bodies smaller than this go as they are: compressing them saves less than it costs. */
export const GZIP_MIN_BYTES = 1024;

/**
 * An answer that is already JSON text, as bytes, with its gzip copy made on first demand and kept.
 * Read answers in the read cache are these: a page of 1,000 images is encoded once and compressed
 * once, however many clients ask for it before the next change.
 */
export class JsonBody {
  readonly bytes: Buffer;
  private gzipped: Promise<Buffer> | null = null;

  constructor(text: string) {
    this.bytes = Buffer.from(text);
  }

  /** What it keeps in memory, roughly: the text and, once made, a copy that is a fraction of it. */
  get size(): number {
    return Math.ceil(this.bytes.length * 1.25) + 128;
  }

  text(): string {
    return this.bytes.toString('utf8');
  }

  /** The gzip copy (level 6), made once. */
  gzip(): Promise<Buffer> {
    if (!this.gzipped) {
      this.gzipped = gzip(this.bytes, { level: 6 });
      // A failure is not kept: the next caller tries again.
      this.gzipped.catch(() => (this.gzipped = null));
    }
    return this.gzipped;
  }
}

/**
 * Whether an Accept-Encoding header allows gzip: `gzip` or `*` listed with a weight above 0, the
 * way browsers and Node's fetch send it (`gzip, deflate, br`).
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of [header].flat().join(',').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(name, q ? Number(q[1]) : 1);
  }
  const weight = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*') ?? 0;
  return Number.isFinite(weight) && weight > 0;
}
