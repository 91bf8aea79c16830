/**
 * Reads an image file's header and makes its thumbnail, with sharp (libvips) on its own thread
 * pool so the main event loop stays free. Width and height are as displayed: EXIF orientation is
 * applied. Refuses decompression bombs by their header, before any pixel is decoded.
 */
import sharp, { type Sharp } from 'sharp';
import { StudioError } from '@shared';
import { BmpError, bmpSize, decodeBmp, isBmp } from './bmp.js';

/** 256 px on the long side: sharp enough for a grid cell on a HiDPI screen. */
const THUMB_SIZE = 256;
/** The long side of the preview a huge image opens with, while its full resolution loads. */
export const PREVIEW_SIZE = 2048;
/** The default pixel cap: 200 megapixels (a 14,000 × 14,000 image) is far past any camera. */
export const DEFAULT_MAX_PIXELS = 200_000_000;

const FORMATS: Record<string, { format: string; ext: string }> = {
  jpeg: { format: 'jpeg', ext: '.jpg' },
  png: { format: 'png', ext: '.png' },
  webp: { format: 'webp', ext: '.webp' },
  tiff: { format: 'tiff', ext: '.tif' },
  bmp: { format: 'bmp', ext: '.bmp' },
};

/** Formats a browser shows as they are; others get a PNG rendition for the viewer. */
export const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'bmp']);

interface DecodedImage {
  format: string;
  ext: string;
  width: number;
  height: number;
  thumbnail: Buffer;
}

/** A file that is not a usable image: the reason is shown to the user in the import report. */
export class BadImageError extends Error {}

function open(bytes: Buffer, maxPixels: number): { image: Sharp; format?: string } {
  if (isBmp(bytes)) {
    const raw = decodeBmp(bytes, maxPixels);
    return { image: sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }), format: 'bmp' };
  }
  return { image: sharp(bytes, { limitInputPixels: maxPixels, failOn: 'truncated' }) };
}

export async function decodeImage(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<DecodedImage> {
  if (bytes.length === 0) throw new BadImageError('empty file (0 bytes)');
  let width: number;
  let height: number;
  let format: string;
  try {
    if (isBmp(bytes)) {
      ({ width, height } = bmpSize(bytes));
      format = 'bmp';
    } else {
      const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
      format = meta.format ?? 'unknown';
      if (!FORMATS[format]) throw new BadImageError(`unsupported image format (${format}); use JPEG, PNG, WebP, BMP or TIFF`);
      if (!meta.width || !meta.height) throw new BadImageError('the image header holds no size');
      const swap = (meta.orientation ?? 1) >= 5;
      width = swap ? meta.height : meta.width;
      height = swap ? meta.width : meta.height;
    }
  } catch (err) {
    throw asBadImage(err);
  }
  if (width * height > maxPixels) {
    throw new BadImageError(
      `too many pixels (${width} × ${height} = ${(width * height / 1e6).toFixed(0)} MP, the limit is ${(maxPixels / 1e6).toFixed(0)} MP): a decompression bomb or an image far larger than training needs`,
    );
  }
  const thumbnailOf = () =>
    open(bytes, maxPixels)
      .image.rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#808080' })
      .jpeg({ quality: 80 })
      .toBuffer();
  try {
    return { ...FORMATS[format], width, height, thumbnail: await thumbnailOf() };
  } catch (err) {
    if (!/unknown error/i.test(errorMessage(err))) throw asBadImage(err);
  }
  // When several decodes fail at once, libvips can lose a failure's message to another's and say
  // "Unknown error" (one truncated JPEG in four with eight at a time). Tried again one at a
  // time, so that the report says what is wrong with the file.
  const retry = unknownErrorLane.then(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ...FORMATS[format], width, height, thumbnail: await thumbnailOf() };
      } catch (err) {
        if (attempt >= UNKNOWN_ERROR_ATTEMPTS || !/unknown error/i.test(errorMessage(err))) throw asBadImage(err);
      }
    }
  });
  unknownErrorLane = retry.then(
    () => undefined,
    () => undefined,
  );
  return retry;
}

const UNKNOWN_ERROR_ATTEMPTS = 6;
/** Retries after an "Unknown error" run one after another. */
let unknownErrorLane: Promise<void> = Promise.resolve();

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A PNG the browser can show, for TIFF and other formats it cannot (orientation applied). */
export async function browserRendition(bytes: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Buffer> {
  const { image } = open(bytes, maxPixels);
  return image.rotate().toColourspace('srgb').png({ compressionLevel: 3 }).toBuffer();
}

/** A JPEG of at most `maxSide` pixels on the long side, orientation applied: a huge image's stand-in. */
export async function previewRendition(bytes: Buffer, maxSide = PREVIEW_SIZE, maxPixels = DEFAULT_MAX_PIXELS): Promise<Buffer> {
  const { image } = open(bytes, maxPixels);
  return image
    .rotate()
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#808080' })
    .toColourspace('srgb')
    .jpeg({ quality: 85 })
    .toBuffer();
}

function asBadImage(err: unknown): Error {
  if (err instanceof BadImageError || err instanceof StudioError) return err;
  if (err instanceof BmpError) return new BadImageError(`corrupt BMP: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(message)) return new BadImageError('not an image (the file content is no known image format)');
  if (/pixel limit/i.test(message)) return new BadImageError(`too many pixels: ${message}`);
  if (/premature end|truncated|unexpected end|not enough data|read error|end of file/i.test(message)) {
    return new BadImageError(`truncated or corrupt image: ${firstLine(message)}`);
  }
  return new BadImageError(`cannot decode the image: ${firstLine(message)}`);
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 200);
}
