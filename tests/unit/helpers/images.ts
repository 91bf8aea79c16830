/** Makes real image files for tests: every format we import, and every way a file goes bad. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix = 'reticle-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A picture with a little structure, so different seeds give different bytes. */
export async function makeImage(
  file: string,
  options: { width?: number; height?: number; seed?: number; format?: 'jpeg' | 'png' | 'webp' | 'tiff'; orientation?: number } = {},
): Promise<string> {
  const { width = 64, height = 48, seed = 1, format = 'jpeg' } = options;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 4 + seed * 37) & 255;
      raw[i + 1] = (y * 4 + seed * 11) & 255;
      raw[i + 2] = (x + y + seed * 91) & 255;
    }
  }
  let img = sharp(raw, { raw: { width, height, channels: 3 } });
  if (options.orientation) img = img.withMetadata({ orientation: options.orientation });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await img.toFormat(format).toFile(file);
  return file;
}

/** An uncompressed 24-bit BMP, bottom-up, as Windows writes them. */
export function makeBmp(file: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): string {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowBytes * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(rowBytes * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const [r, g, bl] = pixel(x, y);
      b[row + x * 3] = bl;
      b[row + x * 3 + 1] = g;
      b[row + x * 3 + 2] = r;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, b);
  return file;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A tiny PNG whose header claims width × height pixels: a decompression bomb by its header. */
export async function makePngBomb(file: string, width = 60_000, height = 60_000): Promise<string> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
  // IHDR data starts at byte 16 (8 signature + 4 length + 4 type); its CRC follows 13 bytes later.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return file;
}

/** The first part of a real JPEG: a header that parses, pixels that end too soon. */
export async function makeTruncatedJpeg(file: string): Promise<string> {
  await makeImage(file, { width: 256, height: 256, seed: 9 });
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return file;
}
