/**
 * Maps an opaque media request (`thumb/42`, `preview/42`, `image/42`) to a file inside the open
 * project. Both the desktop's `reticle-media://` protocol and `reticle serve` answer through this,
 * so neither ever serves a path a page asked for: only ids, looked up in the database, then
 * realpath-checked to lie inside the project.
 */
import fs from 'node:fs/promises';
import { StudioError, type MediaKind } from '@shared';
import type { ProjectSession } from './project-session.js';
import { BROWSER_FORMATS, PREVIEW_SIZE, browserRendition, previewRendition } from '../media/image-decoder.js';
import type { MediaStore } from '../media/media-store.js';
import type { ExternalMedia, ResolvedMedia } from '../media/resolved-media.js';

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
};

export function parseMediaRequest(pathname: string): { kind: MediaKind; id: number } {
  const match = /^\/?(thumb|preview|image)\/(\d{1,15})$/.exec(pathname);
  if (!match) throw new StudioError('not_found', 'No such media.');
  return { kind: match[1] as MediaKind, id: Number(match[2]) };
}

/**
 * The file for a media route's path: `thumb/42`, `preview/42`, `image/42` (the project's images),
 * or `external/<token>` (an image outside the project that the user chose to preview on).
 */
export async function resolveMediaPath(pathname: string, session: ProjectSession, external?: ExternalMedia): Promise<ResolvedMedia> {
  const ext = /^\/?external\/([0-9a-f]{32})$/.exec(pathname);
  if (ext) {
    if (!external) throw new StudioError('not_found', 'No such media.');
    return external.resolve(ext[1]);
  }
  const { kind, id } = parseMediaRequest(pathname);
  return resolveMedia(session, kind, id);
}

/** Renditions being made, by target path: two requests for one image decode it once. */
const inFlight = new Map<string, Promise<void>>();

/**
 * The file that answers a media request.
 *
 * - thumb: the 256 px JPEG made at import.
 * - preview: for an image over 2048 px on its long side, a JPEG of 2048 px made on first request
 *   and kept in `cache/preview/`; for smaller images, the same as `image`.
 * - image: the original where the browser shows its format, else a PNG rendition (cached).
 */
export async function resolveMedia(session: ProjectSession, kind: MediaKind, id: number): Promise<ResolvedMedia> {
  const project = session.require();
  const stored = project.store.images.stored(id);
  if (!stored) throw new StudioError('not_found', `There is no image ${id} in this project.`);
  const { media } = project;
  if (kind === 'thumb') {
    return { path: await media.containedRealpath(media.thumbPath(stored.hash)), contentType: 'image/jpeg', etag: `"t-${stored.hash}"` };
  }
  const image = project.store.images.get(id);
  const original = media.mediaPath(stored.hash, stored.ext);
  if (kind === 'preview' && Math.max(image.width, image.height) > PREVIEW_SIZE) {
    const preview = media.previewPath(stored.hash);
    await rendition(preview, async () => media.putPreview(stored.hash, await previewRendition(await readOriginal(media, original))));
    return { path: await media.containedRealpath(preview), contentType: 'image/jpeg', etag: `"p-${stored.hash}"` };
  }
  if (BROWSER_FORMATS.has(image.format)) {
    return { path: await media.containedRealpath(original), contentType: CONTENT_TYPES[stored.ext] ?? 'application/octet-stream', etag: `"i-${stored.hash}"` };
  }
  // TIFF and friends: a PNG rendition, made once and kept in the project's cache.
  const display = media.displayPath(stored.hash);
  await rendition(display, async () => media.putDisplay(stored.hash, await browserRendition(await readOriginal(media, original))));
  return { path: await media.containedRealpath(display), contentType: 'image/png', etag: `"d-${stored.hash}"` };
}

/** Makes a cached rendition unless it exists, once however many ask for it at the same time. */
async function rendition(target: string, make: () => Promise<unknown>): Promise<void> {
  try {
    await fs.access(target);
    return;
  } catch {
    // Not made yet.
  }
  let pending = inFlight.get(target);
  if (!pending) {
    pending = make()
      .then(() => undefined)
      .finally(() => inFlight.delete(target));
    inFlight.set(target, pending);
  }
  await pending;
}

async function readOriginal(media: MediaStore, original: string): Promise<Buffer> {
  return fs.readFile(await media.containedRealpath(original));
}
