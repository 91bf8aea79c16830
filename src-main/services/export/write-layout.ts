/**
 * Carries out an export's layout: makes its folders, copies, links or clones its images and writes
 * its text files, several at once, reporting progress and stopping when cancelled.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '@shared';
import { writeAtomic } from '../media/media-store.js';
import { insideOutDir, type ExportLayout, type ExportOp } from './layout.js';

export interface WriteOptions {
  signal?: AbortSignal;
  /** Files written so far, of all to write. */
  onProgress?: (done: number, total: number) => void;
  /**
   * How images get into the export. 'copy' (the default): a copy-on-write clone where the file
   * system has them, else a copy. 'link': a hard link to the project's media file, which is
   * content-addressed and never modified, so linking is safe and takes no space; a copy where
   * linking fails (another device, a file system without links).
   */
  media?: 'copy' | 'link';
}

const WRITES_AT_ONCE = 8;
const PROGRESS_MS = 100;

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'The export was cancelled.');
}

/** Runs the layout's operations: the bulk several at once, then the final ones in order. */
export async function writeLayout(outDir: string, layout: ExportLayout, opts: WriteOptions): Promise<void> {
  const total = layout.ops.length + layout.finalOps.length;
  let done = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastReport < PROGRESS_MS)) return;
    lastReport = now;
    opts.onProgress(done, total);
  };
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    made.add(dir);
  };
  const run = async (op: ExportOp) => {
    const target = insideOutDir(outDir, op.to);
    if (op.kind === 'dir') {
      await ensureDir(target);
    } else if (op.kind === 'copy') {
      await ensureDir(path.dirname(target));
      try {
        if (opts.media !== 'link' || !(await linkFile(op.from, target))) {
          // A copy-on-write clone where the file system has them, a plain copy elsewhere.
          await fsp.copyFile(op.from, target, fs.constants.COPYFILE_FICLONE);
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT' && !fs.existsSync(op.from)) {
          throw new StudioError('not_found', `The project's copy of an image is missing (${op.from}); the export stopped. Re-import the image, then export again.`, { cause: err });
        }
        throw err;
      }
    } else if (op.durable) {
      await writeAtomic(target, op.content);
    } else {
      await ensureDir(path.dirname(target));
      await fsp.writeFile(target, op.content);
    }
    done++;
    report();
  };

  report(true);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < layout.ops.length && !failed) {
      try {
        throwIfCancelled(opts.signal);
        await run(layout.ops[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // Every worker stops before this returns, so no write lands after a cancelled export's cleanup.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(WRITES_AT_ONCE, layout.ops.length) }, worker));
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  for (const op of layout.finalOps) {
    throwIfCancelled(opts.signal);
    await run(op);
  }
  report(true);
}

/** Hard-links `from` at `to` (replacing a file there); false where links cannot be made. */
async function linkFile(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to);
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST') {
      await fsp.rm(to, { force: true });
      return linkFile(from, to);
    }
    if (code === 'ENOENT') throw err;
    // EXDEV (another device), EPERM/ENOTSUP/EMLINK (no links here): copy instead.
    return false;
  }
}
