/**
 * A folder in an S3 bucket (AWS or any S3-compatible store), with the few requests backup and
 * restore make. Keys are relative to the folder; every failure is a StudioError that says what
 * to do (see s3-errors.ts).
 *
 * Checksums are asked for only where a request requires them (`WHEN_REQUIRED`): the SDK's
 * default CRC32 trailers break MinIO, R2 and older stores. Integrity is checked by the studio
 * instead: Content-MD5 on every upload (the store refuses damaged bytes), the ETag compared with
 * the MD5, a sha256 in the object's metadata, and every download hashed again.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { StudioError, type BackupTarget } from '@shared';
import { isMissing, s3ErrorName, s3Failure, type S3Place } from './s3-errors.js';

/** An explicit key pair; without one the SDK's default credential chain is used. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3TargetOptions {
  /** Attempts per request, retries included (the SDK's default is 3). */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface ListedObject {
  key: string;
  size: number;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** What a HEAD says about an object: its size and the sha256 the studio stored with it. */
export interface ObjectHead {
  size: number;
  sha256: string | null;
  etag: string | null;
}

/** The metadata key for an object's sha256 (`x-amz-meta-sha256`). */
const SHA256_META = 'sha256';

/**
 * The key pair for a call: a secret typed for this call goes with the target's key id (or the
 * environment's); without a secret, undefined lets the SDK find credentials itself.
 *
 * @throws StudioError `invalid_input` for a secret without a key id
 */
export function s3Credentials(target: BackupTarget, secretAccessKey?: string): S3Credentials | undefined {
  if (!secretAccessKey) return undefined;
  const accessKeyId = target.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
  if (!accessKeyId) throw new StudioError('invalid_input', 'Enter the access key id that goes with the secret access key.');
  return { accessKeyId, secretAccessKey };
}

export class S3Target {
  /** Key prefix of this folder, `''` or ending in `/`. */
  readonly root: string;

  private constructor(
    private readonly client: S3Client,
    readonly target: BackupTarget,
    root: string,
  ) {
    this.root = root;
  }

  /** The target's prefix as a folder. */
  static open(target: BackupTarget, credentials?: S3Credentials, options: S3TargetOptions = {}): S3Target {
    // The SDK warns on stderr that its 2027 releases will need Node 22; the studio supports
    // Node 20.19 on purpose, and the warning would only clutter `reticle backup`'s output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
    const client = new S3Client({
      region: target.region,
      endpoint: target.endpoint,
      forcePathStyle: target.forcePathStyle,
      credentials,
      maxAttempts: options.maxAttempts ?? 3,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 300_000 },
    });
    return new S3Target(client, target, target.prefix ? `${target.prefix}/` : '');
  }

  /** A sub-folder sharing this one's connection: `bucket.within('my-project-1a2b3c4d')`. */
  within(folder: string): S3Target {
    return new S3Target(this.client, this.target, `${this.root}${folder.replace(/^\/+|\/+$/g, '')}/`);
  }

  /** `s3://bucket/prefix/folder/` */
  get location(): string {
    return `s3://${this.target.bucket}/${this.root}`;
  }

  get place(): S3Place {
    return { bucket: this.target.bucket, location: this.location, endpoint: this.target.endpoint, region: this.target.region };
  }

  /** Every object under `prefix` (relative keys), and with a delimiter the "folders" at that level. */
  async list(prefix: string, options: { delimiter?: string; signal?: AbortSignal } = {}): Promise<{ objects: ListedObject[]; folders: string[] }> {
    const objects: ListedObject[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`listing ${this.location}${prefix}`, options.signal, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: this.root + prefix, Delimiter: options.delimiter, ContinuationToken: token }), { abortSignal: options.signal }),
      );
      for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key.slice(this.root.length), size: o.Size ?? 0 });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(this.root.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { objects, folders };
  }

  async head(key: string, signal?: AbortSignal): Promise<ObjectHead | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: this.root + key }), { abortSignal: signal });
      return { size: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_META] ?? null, etag: unquote(head.ETag) };
    } catch (err) {
      if (isMissing(err, 'NotFound', 'NoSuchKey')) return null;
      throw this.failure(err, `checking ${key}`, signal);
    }
  }

  /** Sends a whole object; answers the ETag the store gave it. */
  async put(key: string, body: Buffer, meta: { md5: Buffer; sha256: string; contentType?: string }, signal?: AbortSignal): Promise<string | null> {
    const result = await this.call(`sending ${key}`, signal, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.target.bucket,
          Key: this.root + key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: meta.md5.toString('base64'),
          ContentType: meta.contentType ?? 'application/octet-stream',
          Metadata: { [SHA256_META]: meta.sha256 },
        }),
        { abortSignal: signal },
      ),
    );
    return unquote(result.ETag);
  }

  /** An object's bytes as a stream; `not_found` when there is no such object. */
  async getStream(key: string, signal?: AbortSignal): Promise<{ body: Readable; size: number | null }> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.target.bucket, Key: this.root + key }), { abortSignal: signal });
      if (!result.Body) throw new StudioError('io', `${this.location}${key} came back without a body.`);
      return { body: result.Body as Readable, size: result.ContentLength ?? null };
    } catch (err) {
      if (isMissing(err, 'NoSuchKey', 'NotFound')) throw new StudioError('not_found', `${this.location}${key} is not in the bucket.`, { cause: err });
      throw this.failure(err, `reading ${key}`, signal);
    }
  }

  /** A small object as text, or null when it is missing. */
  async getText(key: string, signal?: AbortSignal): Promise<string | null> {
    try {
      const { body } = await this.getStream(key, signal);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (err instanceof StudioError && err.code === 'not_found') return null;
      throw this.failure(err, `reading ${key}`, signal);
    }
  }

  async createMultipart(key: string, sha256: string, signal?: AbortSignal): Promise<string> {
    const result = await this.call(`starting the upload of ${key}`, signal, () =>
      this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.root + key, ContentType: 'application/octet-stream', Metadata: { [SHA256_META]: sha256 } }),
        { abortSignal: signal },
      ),
    );
    if (!result.UploadId) throw new StudioError('io', `${this.location} started an upload of ${key} without an upload id.`);
    return result.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer, md5: Buffer, signal?: AbortSignal): Promise<string> {
    const result = await this.call(`sending part ${partNumber} of ${key}`, signal, () =>
      this.client.send(
        new UploadPartCommand({ Bucket: this.target.bucket, Key: this.root + key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length, ContentMD5: md5.toString('base64') }),
        { abortSignal: signal },
      ),
    );
    const etag = unquote(result.ETag);
    if (!etag) throw new StudioError('io', `${this.location} took part ${partNumber} of ${key} without an ETag.`);
    return etag;
  }

  /**
   * The parts an unfinished upload holds: 'gone' when the store forgot the upload (completed,
   * aborted or expired), null when the store cannot list parts (then the studio's own record
   * of them is used).
   */
  async listParts(key: string, uploadId: string, signal?: AbortSignal): Promise<UploadedPart[] | 'gone' | null> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListPartsCommand({ Bucket: this.target.bucket, Key: this.root + key, UploadId: uploadId, PartNumberMarker: marker }),
          { abortSignal: signal },
        );
        for (const p of page.Parts ?? []) {
          if (p.PartNumber && p.ETag) parts.push({ partNumber: p.PartNumber, etag: unquote(p.ETag) ?? '', size: p.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return parts;
    } catch (err) {
      const name = s3ErrorName(err);
      if (name === 'NoSuchUpload') return 'gone';
      if (name === 'MethodNotAllowed' || name === 'NotImplemented') return null;
      throw this.failure(err, `looking up the unfinished upload of ${key}`, signal);
    }
  }

  /** Joins the parts into the object; 'gone' when the store forgot the upload. */
  async completeMultipart(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], signal?: AbortSignal): Promise<'done' | 'gone'> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key: this.root + key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
        }),
        { abortSignal: signal },
      );
      return 'done';
    } catch (err) {
      if (s3ErrorName(err) === 'NoSuchUpload') return 'gone';
      throw this.failure(err, `finishing the upload of ${key}`, signal);
    }
  }

  /** Drops an unfinished upload's parts. Best effort: some stores cannot, and expire them instead. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.root + key, UploadId: uploadId }));
    } catch {
      /* an upload that cannot be aborted expires with the bucket's lifecycle rules */
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.target.bucket, Key: this.root + key }));
    } catch {
      /* best effort: only used to tidy up after a cancelled backup */
    }
  }

  dispose(): void {
    this.client.destroy();
  }

  /** Runs one request; a cancelled call throws the cancel, any other failure a clear StudioError. */
  private async call<T>(doing: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw this.failure(err, doing, signal);
    }
  }

  private failure(err: unknown, doing: string, signal?: AbortSignal): StudioError {
    if (signal?.aborted) return signal.reason instanceof StudioError ? signal.reason : new StudioError('cancelled', 'Cancelled.');
    return s3Failure(err, this.place, doing);
  }
}

/** ETags arrive quoted: `"5eb6…"`. */
function unquote(etag: string | undefined): string | null {
  return etag ? etag.replace(/"/g, '') : null;
}

/** A plain MD5 ETag (a single PUT or a part, no SSE-KMS): 32 hex digits. */
export function isMd5Etag(etag: string | null): etag is string {
  return etag !== null && /^[0-9a-f]{32}$/i.test(etag);
}
