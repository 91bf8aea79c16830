/**
 * The project folder's layout (see project-store.ts for what each part holds), and the sweep
 * that removes what a killed write left in it. Both the store and the media store address the
 * folder through here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const PROJECT_DB = 'project.db';

export interface ProjectPaths {
  root: string;
  db: string;
  media: string;
  thumbs: string;
  runs: string;
  cache: string;
  staging: string;
}

export function projectPaths(dir: string): ProjectPaths {
  const root = path.resolve(dir);
  return {
    root,
    db: path.join(root, PROJECT_DB),
    media: path.join(root, 'media'),
    thumbs: path.join(root, 'thumbs'),
    runs: path.join(root, 'runs'),
    cache: path.join(root, 'cache'),
    staging: path.join(root, '.staging'),
  };
}

/**
 * The temporary file a write goes to before it is renamed over `target`, named after the writing
 * process (`<target>.<pid>.<random>.tmp`), so that a project opened later can tell the leftovers
 * of a killed writer from a write still under way.
 */
export function temporaryName(target: string): string {
  return `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
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
        if (!match || (match[1] !== undefined && processAlive(Number(match[1])))) continue;
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

/** Whether a process with this id runs (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
