/**
 * Full disks for the fault tests, two ways:
 *
 * - a real one where the test may mount it: a small tmpfs (Linux, as root, as in CI containers);
 *   the kernel answers ENOSPC to the media writes and SQLite answers SQLITE_FULL, as on a full
 *   laptop disk. `tmpfsDisk` says why not where it cannot be mounted, and the tests fall back to
 * - TEST DOUBLES at the file layer: `failFileWrites` makes the media store's writes fail with
 *   ENOSPC part way through a file (through `fs.promises.open`, which `writeAtomic` uses), and
 *   `fillDatabase` sets SQLite's `max_page_count`, which makes SQLite answer SQLITE_FULL exactly as
 *   it does when the disk cannot take another page.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { vi } from 'vitest';
import type Database from 'better-sqlite3';
import { tempDir } from '../../helpers/images.js';

export interface TmpfsDisk {
  dir: string;
  /** Makes the disk bigger, as freeing space does. */
  grow(bytes: number): void;
  unmount(): void;
}

/** A tmpfs of `bytes` mounted on a new folder, or why it could not be mounted here. */
export function tmpfsDisk(bytes: number): TmpfsDisk | { reason: string } {
  if (process.platform !== 'linux') return { reason: `tmpfs needs Linux (this is ${process.platform})` };
  const dir = tempDir('reticle-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { reason: `mount -t tmpfs failed (${stderr || (err as Error).message}); not root, or no CAP_SYS_ADMIN` };
  }
  return {
    dir,
    grow(size) {
      execFileSync('mount', ['-o', `remount,size=${size}`, dir], { stdio: 'pipe' });
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // something still holds a file: detach it
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function enospc(syscall: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall} '${file}'`), { code: 'ENOSPC', errno: -28, syscall, path: file });
}

export interface FileWriteFault {
  /** Files that were opened for writing under the folder, and then failed. */
  failed: string[];
  /** Frees the disk: writes succeed again. */
  restore(): void;
}

/**
 * TEST DOUBLE of a disk that fills up: under `dir`, files opened for writing through
 * `fs.promises.open` after the first `okFiles` get half their bytes written, then ENOSPC, as a
 * write to a full disk does. The caller (writeAtomic) must remove what it started.
 */
export function failFileWrites(dir: string, okFiles: number): FileWriteFault {
  const root = path.resolve(dir);
  const realOpen = fsp.open.bind(fsp);
  const failed: string[] = [];
  let opened = 0;
  const spy = vi.spyOn(fsp, 'open').mockImplementation(async (file, flags, mode) => {
    const handle = await realOpen(file, flags, mode);
    const target = typeof file === 'string' ? path.resolve(file) : '';
    const writing = typeof flags === 'string' && /[wa+]/.test(flags);
    if (!writing || !target.startsWith(root + path.sep) || opened++ < okFiles) return handle;
    failed.push(target);
    const realWrite = handle.write.bind(handle) as (b: Buffer) => Promise<unknown>;
    Object.assign(handle, {
      async writeFile(data: Uint8Array | string) {
        const bytes = Buffer.from(data);
        await realWrite(bytes.subarray(0, bytes.length >> 1));
        throw enospc('write', target);
      },
    });
    return handle;
  });
  return { failed, restore: () => spy.mockRestore() };
}

/**
 * TEST DOUBLE of a full disk for SQLite, on one connection: no page beyond those the database
 * has now (plus `spare`), so a write that needs a new page fails with SQLITE_FULL. Returns a
 * function that frees it again.
 */
export function fillDatabase(db: Database.Database, spare = 0): () => void {
  const limit = db.pragma('max_page_count', { simple: true }) as number;
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages + spare}`);
  return () => {
    db.pragma(`max_page_count = ${limit}`);
  };
}

/**
 * TEST DOUBLE of a disk with not one byte left, for SQLite: `fillDatabase`, then filler rows
 * (settings the studio never reads) until not even a small one fits. Returns a function that
 * deletes them and lifts the limit, as freeing space does.
 */
export function fillDatabaseToTheBrim(db: Database.Database): () => void {
  const free = fillDatabase(db);
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
  let n = 0;
  for (const size of [4000, 1000, 200, 20]) {
    try {
      for (;;) put.run(`test-disk-filler-${n++}`, JSON.stringify('x'.repeat(size)));
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_FULL') throw err;
    }
  }
  return () => {
    db.prepare("DELETE FROM settings WHERE key LIKE 'test-disk-filler-%'").run();
    free();
  };
}

export { temporaryFiles } from './temporary-files.js';
