/**
 * Maps an opaque media request (`thumb/42`, `image/42`) to a file inside the open project. Both
 * the desktop's `reticle-media://` protocol and `reticle serve` answer through this, so neither
 * ever serves a path a page asked for: only ids, looked up in the database, then realpath-checked
 * to lie inside the project.
 */
import fs from 'node:fs/promises';
import { StudioError, type MediaKind } from '@shared';
import type { ProjectSession } from '../studio/project-session.js';
import { BROWSER_FORMATS, browserRendition } from './image-decoder.js';

export interface ResolvedMedia {
  path: string;
  contentType: string;
  /** Content hash: a strong ETag, and the reason the answer may be cached for good. */
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.tif': 'image/tiff',
};

export function parseMediaRequest(pathname: string): { kind: MediaKind; id: number } {
  const match = /^\/?(thumb|image)\/(\d{1,15})$/.exec(pathname);
  if (!match) throw new StudioError('not_found', 'No such media.');
  return { kind: match[1] as MediaKind, id: Number(match[2]) };
}

export async function resolveMedia(session: ProjectSession, kind: MediaKind, id: number): Promise<ResolvedMedia> {
  const project = session.require();
  const stored = project.store.images.stored(id);
  if (!stored) throw new StudioError('not_found', `There is no image ${id} in this project.`);
  if (kind === 'thumb') {
    return { path: await project.media.containedRealpath(project.media.thumbPath(stored.hash)), contentType: 'image/jpeg', etag: `"t-${stored.hash}"` };
  }
  const original = project.media.mediaPath(stored.hash, stored.ext);
  const format = project.store.images.get(id).format;
  if (BROWSER_FORMATS.has(format)) {
    return { path: await project.media.containedRealpath(original), contentType: CONTENT_TYPES[stored.ext] ?? 'application/octet-stream', etag: `"i-${stored.hash}"` };
  }
  // TIFF and friends: a PNG rendition, made once and kept in the project's cache.
  const display = project.media.displayPath(stored.hash);
  try {
    await fs.access(display);
  } catch {
    const bytes = await fs.readFile(await project.media.containedRealpath(original));
    await project.media.putDisplay(stored.hash, await browserRendition(bytes));
  }
  return { path: await project.media.containedRealpath(display), contentType: 'image/png', etag: `"d-${stored.hash}"` };
}
