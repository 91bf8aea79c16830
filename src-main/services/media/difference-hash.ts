/**
 * The difference hash (dHash) of an image: shrink it to 9 × 8 grey pixels and record, for each of
 * the 8 × 8 horizontal neighbour pairs, whether brightness rises to the right. Re-encoding,
 * resizing and small edits flip few of the 64 bits, so near-duplicate images have hashes a small
 * Hamming distance apart. Computed from the 256 px thumbnail: the hash does not need more.
 */
import sharp from 'sharp';

const WIDTH = 9;
const HEIGHT = 8;

/** 16 lowercase hex digits, most significant bit first (row by row, left to right). */
export async function differenceHash(image: Buffer | string, options: { rotate?: boolean } = {}): Promise<string> {
  let pipeline = sharp(image, { failOn: 'none' });
  if (options.rotate) pipeline = pipeline.rotate();
  const pixels = await pipeline.flatten({ background: '#808080' }).greyscale().resize(WIDTH, HEIGHT, { fit: 'fill' }).raw({ depth: 'uchar' }).toBuffer();
  if (pixels.length !== WIDTH * HEIGHT) throw new Error(`dHash: expected ${WIDTH * HEIGHT} grey pixels, got ${pixels.length} bytes`);
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH - 1; x++) {
      const bit = pixels[y * WIDTH + x] < pixels[y * WIDTH + x + 1] ? 1 : 0;
      if (y < 4) hi = ((hi << 1) | bit) >>> 0;
      else lo = ((lo << 1) | bit) >>> 0;
    }
  }
  return hex32(hi) + hex32(lo);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}
