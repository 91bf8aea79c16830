import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BadImageError, decodeImage } from '../../../../src-main/services/media/image-decoder.js';
import { makeBmp, makeImage, makePngBomb, makeTruncatedJpeg, tempDir } from '../../helpers/images.js';

describe('decodeImage', () => {
  it('says a truncated JPEG is truncated even when many are decoded at once', async () => {
    // libvips loses the message of some concurrent failed decodes ("Unknown error").
    const bytes = fs.readFileSync(await makeTruncatedJpeg(path.join(tempDir(), 'half.jpg')));
    const reasons = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => decodeImage(bytes)));
      for (const r of results) reasons.add(r.status === 'rejected' ? (r.reason as Error).message.split(':')[0] : 'decoded');
    }
    expect([...reasons]).toEqual(['truncated or corrupt image']);
  });

  it.each(['jpeg', 'png', 'webp', 'tiff'] as const)('reads %s with its size and a 256 px JPEG thumbnail', async (format) => {
    const file = await makeImage(path.join(tempDir(), `a.${format}`), { width: 600, height: 300, format });
    const decoded = await decodeImage(fs.readFileSync(file));
    expect(decoded).toMatchObject({ format, width: 600, height: 300 });
    const thumb = await sharp(decoded.thumbnail).metadata();
    expect(thumb).toMatchObject({ format: 'jpeg', width: 256, height: 128 });
  });

  it('applies EXIF orientation: a portrait photo stored sideways is tall', async () => {
    const file = await makeImage(path.join(tempDir(), 'rot.jpg'), { width: 200, height: 100, orientation: 6 });
    const decoded = await decodeImage(fs.readFileSync(file));
    expect([decoded.width, decoded.height]).toEqual([100, 200]);
    const thumb = await sharp(decoded.thumbnail).metadata();
    expect(thumb.height).toBeGreaterThan(thumb.width!);
  });

  it('reads BMP, which libvips cannot, with the right pixels', async () => {
    const file = makeBmp(path.join(tempDir(), 'a.bmp'), 30, 20, (x, y) => (x < 15 ? [255, 0, 0] : [0, 0, 255 - y]));
    const decoded = await decodeImage(fs.readFileSync(file));
    expect(decoded).toMatchObject({ format: 'bmp', ext: '.bmp', width: 30, height: 20 });
    const { data, info } = await sharp(decoded.thumbnail).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
    expect(at(2, 2)[0]).toBeGreaterThan(200); // red on the left
    expect(at(27, 2)[2]).toBeGreaterThan(200); // blue on the right
  });

  it('refuses bad files with a reason a person understands', async () => {
    const dir = tempDir();
    const cases: [string, Buffer, RegExp][] = [
      ['empty', Buffer.alloc(0), /empty file/],
      ['text', Buffer.from('hello, I am not a picture'), /not an image/],
      ['truncated', fs.readFileSync(await makeTruncatedJpeg(path.join(dir, 't.jpg'))), /truncated or corrupt/],
      ['bomb', fs.readFileSync(await makePngBomb(path.join(dir, 'b.png'))), /too many pixels/],
      ['gif', await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } }).gif().toBuffer(), /unsupported image format/],
    ];
    for (const [, bytes, reason] of cases) {
      const err = await decodeImage(bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadImageError);
      expect((err as Error).message).toMatch(reason);
    }
  });

  it('honours a lower pixel cap', async () => {
    const file = await makeImage(path.join(tempDir(), 'a.png'), { width: 100, height: 100, format: 'png' });
    await expect(decodeImage(fs.readFileSync(file), 5000)).rejects.toThrow(/too many pixels/);
  });
});
