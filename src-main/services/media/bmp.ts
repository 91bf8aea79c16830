/**
 * A BMP reader, because libvips as shipped with sharp does not read BMP. It handles what cameras,
 * scanners and Windows tools write: BITMAPINFOHEADER and later headers, 1/4/8-bit palettes,
 * 16/24/32-bit pixels, BI_BITFIELDS masks, bottom-up and top-down rows. RLE-compressed files are
 * refused with a clear message.
 */
interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Buffer;
}

export class BmpError extends Error {}

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Reads only the header: what import needs before deciding to decode. */
export function bmpSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 26 || !isBmp(bytes)) throw new BmpError('not a BMP file');
  const headerSize = bytes.readUInt32LE(14);
  if (headerSize === 12) return { width: bytes.readUInt16LE(18), height: bytes.readUInt16LE(20) };
  if (bytes.length < 54) throw new BmpError('truncated BMP header');
  return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
}

function maskShift(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

export function decodeBmp(bytes: Buffer, maxPixels: number): RawImage {
  if (bytes.length < 26 || !isBmp(bytes)) throw new BmpError('not a BMP file');
  const dataOffset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  let width: number, rawHeight: number, bpp: number, compression = 0, colorsUsed = 0;
  let paletteEntrySize = 4;
  if (headerSize === 12) {
    width = bytes.readUInt16LE(18);
    rawHeight = bytes.readInt16LE(20);
    bpp = bytes.readUInt16LE(24);
    paletteEntrySize = 3;
  } else if (headerSize >= 40) {
    if (bytes.length < 14 + 40) throw new BmpError('truncated BMP header');
    width = bytes.readInt32LE(18);
    rawHeight = bytes.readInt32LE(22);
    bpp = bytes.readUInt16LE(28);
    compression = bytes.readUInt32LE(30);
    colorsUsed = bytes.readUInt32LE(46);
  } else {
    throw new BmpError(`unsupported BMP header size ${headerSize}`);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0) throw new BmpError('BMP has no pixels');
  if (width * height > maxPixels) throw new BmpError(`BMP of ${width}×${height} is over the pixel limit`);
  if (compression === 1 || compression === 2) throw new BmpError('RLE-compressed BMP is not supported; save it as PNG');
  if (compression !== 0 && compression !== 3 && compression !== 6) throw new BmpError(`unsupported BMP compression ${compression}`);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new BmpError(`unsupported BMP bit depth ${bpp}`);

  // Channel masks: from the header (BITFIELDS), or the defaults for 16 and 32 bits.
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  if (compression === 3 || compression === 6) {
    const at = headerSize >= 52 ? 54 : 14 + headerSize;
    if (bytes.length < at + 12) throw new BmpError('truncated BMP bit masks');
    masks = [bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4), bytes.readUInt32LE(at + 8), headerSize >= 56 || compression === 6 ? bytes.readUInt32LE(at + 12) : 0];
  }
  const hasAlpha = bpp === 32 && masks[3] !== 0;
  const channels: 3 | 4 = hasAlpha ? 4 : 3;

  let palette: Buffer | null = null;
  if (bpp <= 8) {
    const count = colorsUsed || 1 << bpp;
    const start = 14 + headerSize + (compression === 3 ? 12 : 0);
    if (bytes.length < start + count * paletteEntrySize) throw new BmpError('truncated BMP palette');
    palette = Buffer.alloc(count * 3);
    for (let i = 0; i < count; i++) {
      const p = start + i * paletteEntrySize;
      palette[i * 3] = bytes[p + 2];
      palette[i * 3 + 1] = bytes[p + 1];
      palette[i * 3 + 2] = bytes[p];
    }
  }

  const rowBytes = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) throw new BmpError('truncated BMP pixel data');
  const out = Buffer.alloc(width * height * channels);
  const m = masks.map(maskShift);
  const scale = (v: number, k: number) => (m[k].max === 0 ? 0 : Math.round((((v & masks[k]) >>> m[k].shift) * 255) / m[k].max));

  for (let row = 0; row < height; row++) {
    const srcRow = topDown ? row : height - 1 - row;
    const src = dataOffset + srcRow * rowBytes;
    let o = row * width * channels;
    for (let x = 0; x < width; x++, o += channels) {
      if (bpp === 24) {
        const p = src + x * 3;
        out[o] = bytes[p + 2];
        out[o + 1] = bytes[p + 1];
        out[o + 2] = bytes[p];
      } else if (bpp === 32 || bpp === 16) {
        const v = bpp === 32 ? bytes.readUInt32LE(src + x * 4) : bytes.readUInt16LE(src + x * 2);
        out[o] = scale(v, 0);
        out[o + 1] = scale(v, 1);
        out[o + 2] = scale(v, 2);
        if (hasAlpha) out[o + 3] = scale(v, 3);
      } else {
        const perByte = 8 / bpp;
        const byte = bytes[src + Math.floor(x / perByte)];
        const shift = 8 - bpp * ((x % perByte) + 1);
        const index = (byte >> shift) & ((1 << bpp) - 1);
        if (!palette || index * 3 + 2 >= palette.length) throw new BmpError('BMP palette index out of range');
        out[o] = palette[index * 3];
        out[o + 1] = palette[index * 3 + 1];
        out[o + 2] = palette[index * 3 + 2];
      }
    }
  }
  return { width, height, channels, data: out };
}
