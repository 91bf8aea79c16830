/**
 * The content-addressed media store of one project. Files are named by the sha256 of their bytes
 * and never modified; every write goes to a temporary file first and is renamed into place, so a
 * killed import leaves either the whole file or none.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StudioError } from '@shared';
import type { ProjectPaths } from '../store/project-store.js';

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
  const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
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

/** `<name>.<pid>.<12 hex>.tmp` as writeAtomic names them; older studios wrote `<name>.<12 hex>.tmp`. */
const TEMPORARY = /\.(?:(\d+)\.)?[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files of writes that never finished: a process killed between writing a
 * media file, thumbnail or rendition and renaming it into place leaves one behind. Only files of
 * writers that are gone are removed; another studio process working on the project keeps its own.
 *
 * @returns how many files were removed
 */
export function removeInterruptedWrites(paths: ProjectPaths): number {
  let removed = 0;
  const sweep = (dir: string, depth: number) => {
    try {
      if (depth > 0) {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) sweep(path.join(dir, entry.name), depth - 1);
        return;
      }
      // The hash folders hold only files: their names are enough, and faster to list than entries.
      for (const name of fs.readdirSync(dir)) {
        const match = name.endsWith('.tmp') ? TEMPORARY.exec(name) : null;
        if (!match || (match[1] !== undefined && writerAlive(Number(match[1])))) continue;
        fs.rmSync(path.join(dir, name), { force: true });
        removed++;
      }
    } catch {
      /* a folder that is not there holds no leftovers; what cannot be removed waits for the next open */
    }
  };
  // media/ab/…, thumbs/ab/…, cache/{display,preview}/ab/…
  sweep(paths.media, 1);
  sweep(paths.thumbs, 1);
  sweep(paths.cache, 2);
  return removed;
}

function writerAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
