/**
 * Decoding for a model: the picture as the user sees it (EXIF orientation applied), 8-bit RGB
 * whatever the file holds, as cv2's IMREAD_COLOR gives it to Ultralytics.
 */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeForInference } from '../../../../src-main/services/inference/image-decode.js';
import { makeBmp, tempDir } from '../../helpers/images.js';
import { image } from './fixtures.js';

describe('decoding for inference', () => {
  it('applies EXIF orientation: a phone photo stored on its side comes out upright', async () => {
    const file = image('exif-rotated.jpg');
    expect((await sharp(file).metadata()).orientation).toBe(6);
    const stored = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([stored.info.width, stored.info.height]).toEqual([260, 180]);
    const decoded = await decodeForInference(file);
    expect([decoded.width, decoded.height]).toEqual([180, 260]);
    // Orientation 6: turn the stored picture a quarter clockwise. Stored pixel (x, y) lands at
    // (H - 1 - y, x) of the upright one.
    const H = stored.info.height;
    let same = true;
    for (let y = 0; y < stored.info.height && same; y += 7) {
      for (let x = 0; x < stored.info.width && same; x += 5) {
        const a = (y * stored.info.width + x) * 3;
        const b = (x * decoded.width + (H - 1 - y)) * 3;
        same = stored.data[a] === decoded.data[b] && stored.data[a + 1] === decoded.data[b + 1] && stored.data[a + 2] === decoded.data[b + 2];
      }
    }
    expect(same).toBe(true);
  });

  it('gives 8-bit RGB for grey, transparent and BMP files', async () => {
    const dir = tempDir();
    const grey = path.join(dir, 'grey.png');
    await sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').png().toFile(grey);
    const g = await decodeForInference(grey);
    expect([g.width, g.height, g.data.length]).toEqual([4, 3, 36]);
    expect([...g.data.subarray(0, 3)]).toEqual([90, 90, 90]);

    // Alpha is dropped, not blended: cv2's IMREAD_COLOR keeps the colour under a transparent pixel.
    const clear = path.join(dir, 'clear.png');
    await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 200, g: 10, b: 30, alpha: 0 } } }).png().toFile(clear);
    expect([...(await decodeForInference(clear)).data.subarray(0, 3)]).toEqual([200, 10, 30]);

    const bmp = makeBmp(path.join(dir, 'x.bmp'), 3, 2, (x, y) => [x * 50, y * 100, 7]);
    const b = await decodeForInference(bmp);
    expect([b.width, b.height]).toEqual([3, 2]);
    expect([...b.data.subarray(3 * 4, 3 * 5)]).toEqual([50, 100, 7]);
  });
});
