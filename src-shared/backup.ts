/**
 * S3 backup and restore of a project folder, as the studio and CLI see them: where backups go
 * (the target), the requests, and the reports of the `backup` and `restore` jobs.
 *
 * The secret access key is never part of a target: targets are kept in the studio's settings,
 * the secret travels with the one call that needs it (or comes from the environment).
 */
import { z } from 'zod';
import { AbsolutePath } from './schemas.js';

/** An empty form field means "not set". */
const optionalText = (schema: z.ZodString) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .pipe(schema.optional());

export const BucketNameSchema = z
  .string()
  .trim()
  .min(3, 'a bucket name is at least 3 characters')
  .max(255, 'a bucket name is at most 255 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/, 'a bucket name is letters, digits, dots, hyphens and underscores, without a leading or trailing dot or hyphen');

/** A key prefix inside the bucket: `team/backups`. Slashes at either end are dropped. */
export const BucketPrefixSchema = z
  .string()
  .trim()
  .max(512, 'the prefix is at most 512 characters')
  .transform((p) => p.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, ''))
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'the prefix may not hold . or .. segments')
  .refine((p) => !/[\u0000-\u001f\u007f\\]/.test(p), 'the prefix may not hold control characters or backslashes');

export const EndpointSchema = z
  .string()
  .max(2048, 'the endpoint URL is too long')
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'the endpoint is a URL such as https://s3.example.com or http://127.0.0.1:9000');

/** Where backups go. Everything but the secret. */
export const BackupTargetSchema = z.object({
  /** For S3-compatible stores (MinIO, R2, Backblaze, Wasabi…); left out for AWS. */
  endpoint: optionalText(EndpointSchema),
  /** AWS region; R2 takes `auto`, most other stores anything. */
  region: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{1,64}$/, 'a region is lowercase letters, digits and hyphens, such as us-east-1')
    .default('us-east-1'),
  bucket: BucketNameSchema,
  prefix: BucketPrefixSchema.default(''),
  /** Left out: the default AWS credential chain (environment, ~/.aws, SSO, instance role). */
  accessKeyId: optionalText(z.string().max(256, 'the access key id is at most 256 characters')),
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`: MinIO needs it. */
  forcePathStyle: z.boolean().default(false),
});

export type BackupTarget = z.output<typeof BackupTargetSchema>;
export type BackupTargetRequest = z.input<typeof BackupTargetSchema>;

export const SecretAccessKeySchema = z.string().min(1, 'the secret access key is empty').max(1024, 'the secret access key is too long');

/** A project's folder in the bucket: `<prefix>/<project>/`. */
export const BackupProjectKeySchema = z
  .string()
  .min(1, 'name the project in the bucket')
  .max(255)
  .regex(/^[^/\\\s][^/\\]*$/, 'a project in the bucket is one path segment, without slashes')
  .refine((p) => p !== '.' && p !== '..', 'a project in the bucket is one path segment');

/** A snapshot's id: the UTC time it was taken, `2026-11-22T09-56-05-123Z`. */
export const SnapshotIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a snapshot id is letters, digits, dots, hyphens and underscores');

export const BackupSetTargetInput = z.object({
  /** null forgets the target. */
  target: BackupTargetSchema.nullable(),
});

export const BackupStartInput = z.object({
  /** Left out: the target saved with `backup.setTarget`. */
  target: BackupTargetSchema.optional(),
  /** Used for this backup only, never stored. Left out: the default AWS credential chain. */
  secretAccessKey: SecretAccessKeySchema.optional(),
  /** Multipart part size for large files, in MiB (S3 wants at least 5). */
  partSizeMiB: z.number().min(5, 'S3 parts are at least 5 MiB').max(5120, 'S3 parts are at most 5 GiB').optional(),
});

export const BackupListInput = z.object({
  target: BackupTargetSchema.optional(),
  secretAccessKey: SecretAccessKeySchema.optional(),
  /** Only this project's snapshots; left out: every project under the prefix. */
  project: BackupProjectKeySchema.optional(),
});

export const BackupRestoreInput = z.object({
  target: BackupTargetSchema.optional(),
  secretAccessKey: SecretAccessKeySchema.optional(),
  project: BackupProjectKeySchema,
  /** Left out: the latest complete snapshot. */
  snapshot: SnapshotIdSchema.optional(),
  /** A new folder (missing or empty) for the restored project. */
  dir: AbsolutePath,
});

export type BackupStartRequest = z.input<typeof BackupStartInput>;
export type BackupListRequest = z.input<typeof BackupListInput>;
export type BackupRestoreRequest = z.input<typeof BackupRestoreInput>;

/** What the Backup tab shows before anything runs. */
export interface BackupTargetState {
  /** The saved target, or null when none is set. */
  target: BackupTarget | null;
  /** The open project's folder in the bucket (null when no project is open). */
  project: string | null;
  /** AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set where the studio runs. */
  environmentCredentials: boolean;
}

/** One complete snapshot in the bucket (one whose manifest was written). */
export interface BackupSnapshotInfo {
  /** The project's folder in the bucket. */
  project: string;
  snapshot: string;
  /** When the snapshot was taken (ISO). */
  createdAt: string;
  /** The project's name, as it was then. */
  projectName: string | null;
  images: number | null;
  /** Media and run files the snapshot names, and their bytes (null where its summary is missing). */
  objects: number | null;
  bytes: number | null;
  /** The snapshot `latest` points at. */
  latest: boolean;
}

/** A file that was left out of a backup, and why. */
export interface BackupSkippedFile {
  path: string;
  reason: string;
}

/** What a backup did. Objects are media and run files; the database snapshot is counted apart. */
export interface BackupReport {
  /** `s3://bucket/prefix/project/` */
  location: string;
  /** The project's folder in the bucket. */
  project: string;
  /** The snapshot written; null when the backup was cancelled before its manifest. */
  snapshot: string | null;
  /** Objects the snapshot names, and their bytes. */
  objectsTotal: number;
  bytesTotal: number;
  objectsUploaded: number;
  bytesUploaded: number;
  /** Objects the bucket held already (content-addressed, same size): not sent again. */
  objectsSkipped: number;
  bytesSkipped: number;
  /** Multipart uploads an earlier, interrupted backup had begun, carried on from their last part. */
  uploadsResumed: number;
  /** The compressed database snapshot. */
  databaseBytes: number;
  /** Files that could not be backed up (missing or damaged media). */
  skippedFiles: BackupSkippedFile[];
  /** Runs still queued or training: their rows are in the snapshot, their changing files are not. */
  activeRunsSkipped: number;
  cancelled: boolean;
  durationMs: number;
}

export interface RestoreReport {
  /** The restored project's folder. */
  dir: string;
  project: string;
  snapshot: string;
  objectsDownloaded: number;
  bytesDownloaded: number;
  images: number;
  annotations: number;
  runs: number;
  thumbnails: number;
  /** Images whose thumbnail could not be made (they still open). */
  thumbnailsFailed: number;
  /** Files the backup could not include (its own skipped files), so missing here too. */
  missingFiles: string[];
  cancelled: boolean;
  durationMs: number;
}
