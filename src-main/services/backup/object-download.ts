/**
 * Fetches one object to a local file and proves it is the one the manifest names: the bytes are
 * hashed as they stream in, and the file is renamed into place only when size and sha256 match.
 * A damaged object (bit rot in the store, a tampered bucket) is a clear error, never a file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StudioError } from '@shared';
import type { S3Target } from './s3-target.js';
import { s3Failure } from './s3-errors.js';

export interface ExpectedObject {
  key: string;
  size: number;
  sha256: string;
}

/** Downloads `object` to `dest`, verified; `onBytes` hears of the bytes as they arrive. */
export async function downloadVerified(bucket: S3Target, object: ExpectedObject, dest: string, options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<void> {
  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${randomBytes(6).toString('hex')}.part`;
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      options.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  try {
    const { body } = await bucket.getStream(object.key, options.signal);
    await pipeline(body, tap, fs.createWriteStream(tmp), { signal: options.signal });
    const sha256 = hash.digest('hex');
    if (size !== object.size || sha256 !== object.sha256) {
      throw new StudioError(
        'io',
        `The backup is damaged: ${bucket.location}${object.key} does not match its manifest (${size} bytes, sha256 ${sha256.slice(0, 12)}…; expected ${object.size} bytes, sha256 ${object.sha256.slice(0, 12)}…). Restore another snapshot, or back the project up again from a copy that has the file.`,
      );
    }
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    if (options.signal?.aborted) throw options.signal.reason;
    if (err instanceof StudioError || LOCAL_ERRORS.has((err as { code?: string }).code ?? '')) throw err;
    // The connection broke while the bytes streamed in.
    throw s3Failure(err, bucket.place, `reading ${object.key}`);
  }
}

/** Failures of the local disk, not of the network: they keep their errno (ENOSPC is "disk full"). */
const LOCAL_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EISDIR', 'ENOTDIR']);
