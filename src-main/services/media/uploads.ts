/**
 * Files a browser uploads for an import (`reticle serve` has no file dialog that yields paths):
 * each lands in the project's staging folder under its upload id, written to a `.part` file and
 * renamed once whole, so an import never reads half a file. The import then reads the folder.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { StudioError } from '@shared';

const UPLOAD_ID = /^[a-zA-Z0-9_-]{8,64}$/;

/**
 * Stores one uploaded file at `staging/<uploadId>/<names…>`; returns its size.
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
  const target = path.join(staging, uploadId, ...names);
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
