/**
 * The content-addressed media store of one project. Files are named by the sha256 of their bytes
 * and never modified; every write goes to a temporary file first and is renamed into place, so a
 * killed import leaves either the whole file or none.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '@shared';
import { temporaryName, type ProjectPaths } from '../store/project-folder.js';

const HASH = /^[0-9a-f]{64}$/;
const EXT = /^\.[a-z0-9]{1,5}$/;

export class MediaStore {
  constructor(private readonly paths: ProjectPaths) {}

  /** `media/ab/abcdef….jpg` */
  mediaPath(hash: string, ext: string): string {
    assertHash(hash);
    if (!EXT.test(ext)) throw new StudioError('invalid_input', `Bad media extension ${JSON.stringify(ext)}.`);
    return path.join(this.paths.media, hash.slice(0, 2), `${hash}${ext}`);
  }

  /** `thumbs/ab/abcdef….jpg` */
  thumbPath(hash: string): string {
    assertHash(hash);
    return path.join(this.paths.thumbs, hash.slice(0, 2), `${hash}.jpg`);
  }

  /** A rendition the browser can show, for formats it cannot (TIFF). */
  displayPath(hash: string): string {
    assertHash(hash);
    return path.join(this.paths.cache, 'display', hash.slice(0, 2), `${hash}.png`);
  }

  /** A JPEG of at most 2048 px, for opening a huge image at once. */
  previewPath(hash: string): string {
    assertHash(hash);
    return path.join(this.paths.cache, 'preview', hash.slice(0, 2), `${hash}.jpg`);
  }

  async putMedia(hash: string, ext: string, bytes: Uint8Array): Promise<string> {
    const target = this.mediaPath(hash, ext);
    if (await exists(target)) return target;
    await writeAtomic(target, bytes);
    return target;
  }

  async putThumb(hash: string, bytes: Uint8Array): Promise<string> {
    const target = this.thumbPath(hash);
    await writeAtomic(target, bytes);
    return target;
  }

  async putDisplay(hash: string, bytes: Uint8Array): Promise<string> {
    const target = this.displayPath(hash);
    await writeAtomic(target, bytes);
    return target;
  }

  async putPreview(hash: string, bytes: Uint8Array): Promise<string> {
    const target = this.previewPath(hash);
    await writeAtomic(target, bytes);
    return target;
  }

  /**
   * Resolves a path inside the project and refuses anything that leaves it, symlinks included:
   * the media protocol serves nothing else.
   */
  async containedRealpath(candidate: string): Promise<string> {
    const root = await fsp.realpath(this.paths.root);
    let real: string;
    try {
      real = await fsp.realpath(candidate);
    } catch {
      throw new StudioError('not_found', 'That media file is missing from the project.');
    }
    const rel = path.relative(root, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new StudioError('forbidden', 'That file is outside the project.');
    }
    return real;
  }
}

function assertHash(hash: string): void {
  if (!HASH.test(hash)) throw new StudioError('invalid_input', 'Bad media hash.');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p, fs.constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes to a sibling temporary file, flushes it, then renames it over the target. The temporary
 * file is named after the writing process (`<target>.<pid>.<random>.tmp`), so that a project
 * opened later can tell the leftovers of a killed writer from a write still under way.
 */
export async function writeAtomic(target: string, bytes: Uint8Array | string): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const tmp = temporaryName(target);
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}
