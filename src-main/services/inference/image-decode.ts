/**
 * Decodes an image file to 8-bit RGB pixels for a model, as the user sees it: EXIF orientation
 * applied (cv2.imdecode, which Ultralytics reads with, applies it too). Alpha is dropped and
 * grey becomes RGB, as cv2's IMREAD_COLOR does; embedded ICC profiles are ignored, as cv2 ignores
 * them, so a model sees the pixel values it was trained on.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { StudioError } from '@shared';
import { BmpError, decodeBmp, isBmp } from '../media/bmp.js';
import { DEFAULT_MAX_PIXELS } from '../media/image-decoder.js';
import type { RgbImage } from './letterbox.js';

export async function decodeForInference(file: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    // Read at once: this runs in the inference worker, whose process is there to block, and
    // fs.promises.readFile would hop to the thread pool four times (open, stat, read, close).
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StudioError('not_found', `${file} does not exist.`);
    if (code === 'EISDIR') throw new StudioError('invalid_input', `${file} is a folder, not an image.`);
    throw new StudioError('io', `Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const name = path.basename(file);
  if (bytes.length === 0) throw new StudioError('invalid_input', `${name} is empty (0 bytes): it is not an image.`);
  try {
    let image: Sharp;
    if (isBmp(bytes)) {
      const raw = decodeBmp(bytes, maxPixels);
      image = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
    } else {
      image = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated', ignoreIcc: true }).rotate();
    }
    const { data, info } = await image.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    if (err instanceof StudioError) throw err;
    const message = err instanceof BmpError ? `corrupt BMP: ${err.message}` : firstLine(err instanceof Error ? err.message : String(err));
    throw new StudioError('invalid_input', `Cannot decode ${name} as an image: ${message}`, { cause: err });
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}
