/**
 * Sends one local file to its content-addressed key and proves it arrived whole.
 *
 * Small files go in one PUT; large ones as a multipart upload whose id and confirmed parts are
 * recorded in the backup state as they go, so an interrupted upload carries on from its last
 * confirmed part (the store's own list of parts where it has one, the recorded list where it
 * does not) instead of starting over.
 *
 * Every request carries Content-MD5 (the store refuses bytes damaged on the way); a plain-MD5
 * ETag is compared with it; the sha256 of the bytes read is checked against the key's hash
 * before the object is finished, and a multipart object is checked with a HEAD (size, and the
 * sha256 stored in its metadata) after.
 */
import fsp from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { StudioError } from '@shared';
import { isMd5Etag, type S3Target, type UploadedPart } from './s3-target.js';
import type { BackupState } from './backup-state.js';

export const MiB = 1024 * 1024;
/** Files above this go as multipart uploads. */
export const DEFAULT_MULTIPART_THRESHOLD = 16 * MiB;
/** 8 MiB parts: 10,000 parts (S3's limit) cover 78 GiB. */
export const DEFAULT_PART_SIZE = 8 * MiB;
const MAX_PARTS = 10_000;

export interface UploadSource {
  /** The local file. */
  file: string;
  /** Its key in the project's bucket folder. */
  key: string;
  size: number;
  sha256: string;
}

export interface UploadContext {
  bucket: S3Target;
  state: BackupState;
  partSize: number;
  multipartThreshold: number;
  signal?: AbortSignal;
  /** Bytes confirmed by the store (parts carried over from an earlier run count too). */
  onBytes(bytes: number): void;
}

/** The file changed or is damaged: its bytes no longer have the hash it was listed with. */
export class ChangedFileError extends StudioError {
  constructor(readonly file: string) {
    super('io', `${file} changed or is damaged: its bytes no longer match its sha256.`);
  }
}

/** Uploads one file; answers whether it carried on an upload an earlier backup began. */
export async function uploadFile(source: UploadSource, ctx: UploadContext): Promise<{ resumed: boolean }> {
  if (source.size <= ctx.multipartThreshold) {
    await putWhole(source, ctx);
    return { resumed: false };
  }
  return uploadInParts(source, ctx, true);
}

async function putWhole(source: UploadSource, ctx: UploadContext): Promise<void> {
  const bytes = await fsp.readFile(source.file);
  if (bytes.length !== source.size || sha256(bytes) !== source.sha256) throw new ChangedFileError(source.file);
  const md5 = createHash('md5').update(bytes).digest();
  const etag = await ctx.bucket.put(source.key, bytes, { md5, sha256: source.sha256 }, ctx.signal);
  if (isMd5Etag(etag)) {
    if (etag.toLowerCase() !== md5.toString('hex')) throw damagedInTransit(ctx.bucket, source.key);
  } else {
    // Stores that encrypt with KMS (or do not use MD5s) give other ETags: ask what arrived.
    await verifyArrived(source, ctx);
  }
  ctx.onBytes(source.size);
}

async function uploadInParts(source: UploadSource, ctx: UploadContext, mayRetry: boolean): Promise<{ resumed: boolean }> {
  const { bucket, state, signal } = ctx;
  let pending = state.pending(source.key);
  let confirmed = new Map<number, UploadedPart>();
  let resumed = false;

  if (pending && (pending.size !== source.size || pending.sha256 !== source.sha256)) {
    await bucket.abortMultipart(source.key, pending.uploadId);
    state.endUpload(source.key);
    pending = undefined;
  }
  if (pending) {
    const listed = await bucket.listParts(source.key, pending.uploadId, signal);
    if (listed === 'gone') {
      state.endUpload(source.key);
      pending = undefined;
    } else {
      confirmed = new Map((listed ?? pending.parts).map((p) => [p.partNumber, p]));
      resumed = true;
    }
  }
  if (!pending) {
    const partSize = Math.max(ctx.partSize, Math.ceil(source.size / MAX_PARTS));
    const uploadId = await bucket.createMultipart(source.key, source.sha256, signal);
    state.beginUpload(source.key, { uploadId, size: source.size, sha256: source.sha256, partSize });
    pending = state.pending(source.key)!;
  }

  const { uploadId, partSize } = pending;
  const count = Math.max(1, Math.ceil(source.size / partSize));
  const whole = createHash('sha256');
  const parts: { partNumber: number; etag: string }[] = [];
  const handle = await fsp.open(source.file, 'r');
  try {
    for (let partNumber = 1; partNumber <= count; partNumber++) {
      if (signal?.aborted) throw signal.reason;
      const offset = (partNumber - 1) * partSize;
      const length = Math.min(partSize, source.size - offset);
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await handle.read(bytes, 0, length, offset);
      if (bytesRead !== length) throw new ChangedFileError(source.file);
      whole.update(bytes);
      const md5 = createHash('md5').update(bytes).digest();
      const md5Hex = md5.toString('hex');
      const earlier = confirmed.get(partNumber);
      // A part already in the store counts only if it holds these very bytes.
      if (earlier && earlier.size === length && earlier.etag.toLowerCase() === md5Hex) {
        parts.push({ partNumber, etag: earlier.etag });
        ctx.onBytes(length);
        continue;
      }
      const etag = await bucket.uploadPart(source.key, uploadId, partNumber, bytes, md5, signal);
      if (isMd5Etag(etag) && etag.toLowerCase() !== md5Hex) throw damagedInTransit(bucket, `${source.key} (part ${partNumber})`);
      state.recordPart(source.key, { partNumber, etag, size: length });
      parts.push({ partNumber, etag });
      ctx.onBytes(length);
    }
  } finally {
    await handle.close();
  }
  if (whole.digest('hex') !== source.sha256) {
    await bucket.abortMultipart(source.key, uploadId);
    state.endUpload(source.key);
    throw new ChangedFileError(source.file);
  }
  const outcome = await bucket.completeMultipart(source.key, uploadId, parts, signal);
  if (outcome === 'gone') {
    // The store forgot the upload (it expired between runs): send the file afresh, once.
    state.endUpload(source.key);
    if (!mayRetry) throw new StudioError('io', `${bucket.location}${source.key} could not be finished: the store keeps dropping the upload. Try again later.`);
    return uploadInParts(source, ctx, false);
  }
  await verifyArrived(source, ctx);
  state.endUpload(source.key);
  return { resumed };
}

/** Asks the store what it holds under the key: the size, and the sha256 where it kept the metadata. */
async function verifyArrived(source: UploadSource, ctx: UploadContext): Promise<void> {
  const head = await ctx.bucket.head(source.key, ctx.signal);
  if (!head || head.size !== source.size || (head.sha256 !== null && head.sha256 !== source.sha256)) throw damagedInTransit(ctx.bucket, source.key);
}

function damagedInTransit(bucket: S3Target, key: string): StudioError {
  return new StudioError('io', `${bucket.location}${key} did not arrive intact (its checksum differs from the file's). Run the backup again; it sends that object anew.`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
