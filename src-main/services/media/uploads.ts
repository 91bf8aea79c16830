/**
 * Files a browser uploads for an import (`reticle serve` has no file dialog that yields paths):
 * each lands in the project's staging folder under its upload id, written to a `.part` file and
 * renamed once whole, so an import never reads half a file. The import then reads the folder.
 *
 * An upload's folder is named after the process that receives it (`<pid>.<uploadId>`): a
 * process killed mid-upload leaves its folder behind, and whoever opens the project next removes
 * it, while the uploads of a studio that still runs on the same project stay untouched.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { StudioError } from '@shared';
import { processAlive } from '../store/project-folder.js';

const UPLOAD_ID = /^[a-zA-Z0-9_-]{8,64}$/;
const OWNER = /^(\d+)\./;

/** The folder one upload's files land in, and the import reads. */
export function uploadFolder(staging: string, uploadId: string): string {
  return path.join(staging, `${process.pid}.${uploadId}`);
}

/**
 * Removes the uploads that never became an import and never will: those of processes that are
 * gone (killed mid-upload, or closed before importing), and folders of older studios, which did
 * not name their owner. Uploads of running processes stay. The staging folder goes once empty.
 *
 * @returns how many uploads were removed
 */
export function removeAbandonedUploads(staging: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(staging);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const owner = OWNER.exec(name);
    if (owner && processAlive(Number(owner[1]))) continue;
    fs.rmSync(path.join(staging, name), { recursive: true, force: true });
    removed++;
  }
  try {
    fs.rmdirSync(staging);
  } catch {
    /* not empty: a running studio's upload is in it */
  }
  return removed;
}

/**
 * Stores one uploaded file at `staging/<pid>.<uploadId>/<names…>`; returns its size.
 * @throws StudioError `invalid_input` for a bad upload id or a file over `maxBytes`, `forbidden`
 *   for a name that would leave the upload's folder
 */
export async function receiveUpload(staging: string, uploadId: string, names: readonly string[], source: AsyncIterable<unknown>, maxBytes: number): Promise<number> {
  if (!UPLOAD_ID.test(uploadId) || names.length === 0) throw new StudioError('invalid_input', 'Bad upload path.');
  if (names.some((n) => n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0'))) {
    throw new StudioError('forbidden', 'Upload paths must stay inside the upload.');
  }
  // File systems refuse names over 255 bytes (ENAMETOOLONG): say so before touching the disk.
  if (names.some((n) => Buffer.byteLength(n) > 255)) throw new StudioError('invalid_input', 'A file or folder name in the upload is longer than 255 bytes.');
  const target = path.join(uploadFolder(staging, uploadId), ...names);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${randomBytes(4).toString('hex')}.part`;
  let received = 0;
  try {
    await pipeline(
      source,
      async function* (chunks) {
        for await (const chunk of chunks) {
          received += (chunk as Buffer).length;
          if (received > maxBytes) throw new StudioError('invalid_input', `The file is larger than ${maxBytes} bytes.`);
          yield chunk;
        }
      },
      fs.createWriteStream(tmp),
    );
    await fsp.rename(tmp, target);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  return received;
}
