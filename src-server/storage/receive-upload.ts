import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { tooLarge } from '../http-error.js';

export interface ReceivedUpload {
  /** The temp file holding the bytes; the caller stores or removes it. */
  file: string;
  hash: string;
  bytes: number;
}

/**
 * Streams a request body to a temp file in `tmpDir`, hashing as it goes, never holding it in
 * memory. Past `limit` bytes it stops with 413 and leaves no file behind; the rest of the body is
 * drained, not destroyed, so the client still reads the 413 rather than a reset connection.
 */
export async function receiveUpload(body: Readable, tmpDir: string, limit: number): Promise<ReceivedUpload> {
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const file = path.join(tmpDir, `upload-${crypto.randomUUID()}.part`);
  const sha = crypto.createHash('sha256');
  const out = fs.createWriteStream(file, { mode: 0o600 });
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        body.unpipe(out);
        body.removeListener('data', count);
        body.resume();
        out.destroy();
        reject(err);
      };
      const count = (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limit) return fail(tooLarge(limit));
        sha.update(chunk);
      };
      body.on('data', count);
      body.once('error', fail);
      body.once('aborted', () => fail(new Error('the client closed the connection during the upload')));
      out.once('error', fail);
      out.once('finish', resolve);
      body.pipe(out);
    });
  } catch (err) {
    await fs.promises.rm(file, { force: true });
    throw err;
  }
  return { file, hash: sha.digest('hex'), bytes };
}
