import type { Readable } from 'node:stream';

/** What the store holds: images by their content hash, and model files by theirs. */
export type ObjectKind = 'media' | 'models';

const HASH = /^[0-9a-f]{64}$/;

/**
 * The key of one object. Keys are made only here, from a checked hash, so no request can name a
 * path: `../` or a slash never reaches a file system or a bucket.
 */
export function objectKey(kind: ObjectKind, hash: string): string {
  if (!HASH.test(hash)) throw new Error(`not a content hash: ${JSON.stringify(hash).slice(0, 80)}`);
  return `${kind}/${hash}`;
}

export function isObjectKey(key: string): boolean {
  return /^(media|models)\/[0-9a-f]{64}$/.test(key);
}

export interface StoredObject {
  stream: Readable;
  bytes: number;
}

/** Where media and model files live: a folder on this machine, or an S3 bucket. */
export interface ObjectStore {
  readonly kind: 'file' | 's3';
  /** Stores the (already verified) temp file under `key`. The temp file is consumed. */
  putFile(key: string, file: string, bytes: number): Promise<void>;
  /** Opens an object for reading; null when the store lacks it. */
  get(key: string): Promise<StoredObject | null>;
  has(key: string): Promise<boolean>;
  /** Deletes an object; deleting one that is not there is no error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
