/**
 * How a project is laid out in the bucket, and the manifest that makes a snapshot:
 *
 *   <prefix>/<project>/media/<sha256>.<ext>                 images, content-addressed
 *   <prefix>/<project>/runs/<sha256>                        run files, content-addressed
 *   <prefix>/<project>/snapshots/<id>/project.db.gz         the database, copied online
 *   <prefix>/<project>/snapshots/<id>/manifest.json         every object, size and sha256: written last
 *   <prefix>/<project>/snapshots/<id>/summary.json          counts for the list of snapshots
 *   <prefix>/<project>/latest                               the newest complete snapshot
 *
 * Objects never change once written (their key is their hash), so any number of snapshots share
 * them and a backup sends only what is new. A snapshot exists once its manifest does.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SnapshotIdSchema, StudioError, type ProjectInfo } from '@shared';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Size = z.number().int().nonnegative();

const ManifestObjectSchema = z.object({
  /** Where the file goes in the project folder, `/`-separated: `media/ab/ab….jpg`, `runs/<id>/weights/best.pt`. */
  path: z.string().min(1).max(4096),
  /** The object holding its bytes, relative to the project's folder in the bucket. */
  key: z.string().min(1).max(1024),
  size: Size,
  sha256: Sha256,
});

export const BackupManifestSchema = z.object({
  format: z.literal('reticle-backup'),
  version: z.literal(1),
  snapshot: SnapshotIdSchema,
  createdAt: z.string(),
  project: z.object({
    key: z.string(),
    name: z.string(),
    task: z.enum(['detect', 'classify']),
    multiLabel: z.boolean(),
    createdAt: z.string(),
    schemaVersion: z.number().int(),
  }),
  database: z.object({ key: z.string(), encoding: z.literal('gzip'), size: Size, sha256: Sha256, rawSize: Size, rawSha256: Sha256 }),
  objects: z.array(ManifestObjectSchema),
  /** Files that could not be backed up (a media file missing from the project). */
  missing: z.array(z.object({ path: z.string(), reason: z.string() })),
  counts: z.object({ images: Size, annotations: Size, classes: Size, runs: Size }),
});

export type BackupManifest = z.infer<typeof BackupManifestSchema>;
export type ManifestObject = z.infer<typeof ManifestObjectSchema>;

export const SnapshotSummarySchema = z.object({
  snapshot: SnapshotIdSchema,
  createdAt: z.string(),
  projectName: z.string(),
  images: Size,
  objects: Size,
  bytes: Size,
});
export type SnapshotSummary = z.infer<typeof SnapshotSummarySchema>;

export const LatestPointerSchema = z.object({ snapshot: SnapshotIdSchema, manifestSha256: Sha256 });
export type LatestPointer = z.infer<typeof LatestPointerSchema>;

export const bucketLayout = {
  media: (hash: string, ext: string) => `media/${hash}${ext}`,
  runFile: (sha256: string) => `runs/${sha256}`,
  snapshots: 'snapshots/',
  database: (snapshot: string) => `snapshots/${snapshot}/project.db.gz`,
  manifest: (snapshot: string) => `snapshots/${snapshot}/manifest.json`,
  summary: (snapshot: string) => `snapshots/${snapshot}/summary.json`,
  latest: 'latest',
} as const;

/** `snapshots/<id>/manifest.json` → id */
export const MANIFEST_KEY = /^snapshots\/([^/]+)\/manifest\.json$/;
export const SUMMARY_KEY = /^snapshots\/([^/]+)\/summary\.json$/;

/**
 * A project's folder in the bucket: its name made safe, and a short hash of when it was made,
 * so two projects both called "test" never share snapshots. A restored project keeps its name
 * and creation time, so its backups carry on in the same folder.
 */
export function backupProjectKey(info: Pick<ProjectInfo, 'name' | 'createdAt'>): string {
  const slug =
    info.name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'project';
  return `${slug}-${createHash('sha256').update(info.createdAt).digest('hex').slice(0, 8)}`;
}

/** A snapshot id from the time it was taken: sorts as it happened, safe in a key. */
export function snapshotId(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** Reads a manifest, refusing one that does not say what a restore needs. */
export function parseManifest(text: string, where: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StudioError('io', `The backup manifest ${where} is not valid JSON: the snapshot is damaged. Restore another snapshot.`);
  }
  const parsed = BackupManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StudioError('io', `The backup manifest ${where} is not one this studio can read (${issue?.path.join('.') || 'manifest'}: ${issue?.message}). Restore another snapshot, or update the studio.`);
  }
  for (const o of parsed.data.objects) safeProjectPath(o.path, where);
  return parsed.data;
}

/**
 * A manifest path as a relative path inside the project folder: media or run files only, never
 * outside the folder (a tampered manifest must not write anywhere else).
 */
export function safeProjectPath(p: string, where: string): string {
  const parts = p.split('/');
  const ok =
    (parts[0] === 'media' || parts[0] === 'runs') &&
    parts.length >= 2 &&
    parts.every((part) => part !== '' && part !== '.' && part !== '..' && !part.includes('\\') && !part.includes('\0'));
  if (!ok) throw new StudioError('io', `The backup manifest ${where} names a file outside the project (${JSON.stringify(p.slice(0, 200))}); the snapshot is damaged or was tampered with.`);
  return parts.join(path.sep);
}

/** Parses a small JSON object read from the bucket; null when it is missing or not JSON. */
export function parseJsonOrNull(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
