/**
 * Restores a snapshot from a bucket into a new project folder.
 *
 * Everything is built in a hidden sibling folder (`.name.restoring-…`): the database, every
 * media and run file (each hashed as it arrives and checked against the manifest), then the
 * project is opened (quick_check), its images checked against their files, and thumbnails made
 * again with the import's own decoder. Only then is the folder renamed into place. A failure, a
 * cancel or a full disk removes the sibling: no folder that looks like a project but is not one.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StudioError, type RestoreReport } from '@shared';
import { ProjectStore } from '../store/project-store.js';
import { PROJECT_DB } from '../store/project-folder.js';
import { MediaStore } from '../media/media-store.js';
import { decodeImage } from '../media/image-decoder.js';
import type { S3Target } from './s3-target.js';
import { bucketLayout, LatestPointerSchema, parseManifest, safeProjectPath, sha256Hex, type BackupManifest, type LatestPointer } from './backup-manifest.js';
import { downloadVerified } from './object-download.js';
import { forEachLimited } from './work-pool.js';
import { TransferMeter, type TransferProgress } from './transfer-progress.js';
import { isAbort } from './s3-errors.js';

export interface RestoreRequest {
  /** The project's folder in the bucket. */
  project: string;
  /** Left out: the one `latest` points at. */
  snapshot?: string;
  /** The new project folder: missing, or an empty folder. */
  dir: string;
}

export interface RestoreOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Objects fetched at once. */
  concurrency?: number;
}

/** Restores into `request.dir`. Cancelled, it answers a report with `cancelled` and leaves nothing behind. */
export async function restoreProject(bucket: S3Target, request: RestoreRequest, options: RestoreOptions = {}): Promise<RestoreReport> {
  const started = Date.now();
  const { signal } = options;
  if (!path.isAbsolute(request.dir)) throw new StudioError('invalid_input', `Give the full path of the folder to restore into (${request.dir} is relative).`);
  const dest = path.resolve(request.dir);
  await assertRestorable(dest);
  const folder = bucket.within(request.project);
  const meter = new TransferMeter(options.onProgress);

  meter.phase('scanning', 'reading the manifest');
  const latest = request.snapshot ? null : await latestSnapshot(folder, request.project, signal);
  const snapshot = request.snapshot ?? latest!.snapshot;
  const manifestText = await folder.getText(bucketLayout.manifest(snapshot), signal);
  if (manifestText === null) {
    throw new StudioError('not_found', `There is no complete snapshot "${snapshot}" of ${request.project} in ${bucket.location}. List the snapshots and pick one that is there.`);
  }
  if (latest && sha256Hex(manifestText) !== latest.manifestSha256) {
    throw new StudioError('io', `The manifest of the latest snapshot (${snapshot}) was changed after it was written: the backup is damaged. Restore another snapshot by its id.`);
  }
  const manifest = parseManifest(manifestText, `${folder.location}${bucketLayout.manifest(snapshot)}`);
  const unique = [...new Map(manifest.objects.map((o) => [o.key, o])).values()];
  const bytes = unique.reduce((n, o) => n + o.size, 0) + manifest.database.size;
  await assertSpace(path.dirname(dest), bytes + manifest.database.rawSize);

  const report: RestoreReport = {
    dir: dest,
    project: request.project,
    snapshot,
    objectsDownloaded: 0,
    bytesDownloaded: 0,
    images: 0,
    annotations: 0,
    runs: 0,
    thumbnails: 0,
    thumbnailsFailed: 0,
    missingFiles: manifest.missing.map((m) => m.path),
    cancelled: false,
    durationMs: 0,
  };

  await fsp.mkdir(path.dirname(dest), { recursive: true });
  const staging = path.join(path.dirname(dest), `.${path.basename(dest)}.restoring-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(staging);
  try {
    meter.phase('working', `fetching ${unique.length + 1} files`, { files: unique.length + 1, bytes });
    const onBytes = (n: number) => meter.bytes(n);
    await restoreDatabase(folder, manifest, staging, signal, onBytes);
    meter.fileDone();
    report.objectsDownloaded++;
    report.bytesDownloaded += manifest.database.size;

    const pathsByKey = new Map<string, string[]>();
    for (const o of manifest.objects) pathsByKey.set(o.key, [...(pathsByKey.get(o.key) ?? []), o.path]);
    await forEachLimited(unique, options.concurrency ?? 4, signal, async (object) => {
      const [first, ...others] = pathsByKey.get(object.key)!.map((p) => path.join(staging, safeProjectPath(p, object.key)));
      meter.activity(object.key);
      await downloadVerified(folder, object, first, { signal, onBytes });
      // The same bytes at several paths (a run's dataset holds its media): linked, as they were.
      for (const other of others) await linkOrCopy(first, other);
      report.objectsDownloaded++;
      report.bytesDownloaded += object.size;
      meter.fileDone();
    });

    meter.phase('finishing', 'checking the project');
    await checkAndMakeThumbnails(staging, manifest, report, meter, signal);
    if (signal?.aborted) throw signal.reason;
    await moveIntoPlace(staging, dest);
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    if (signal?.aborted || isAbort(err)) {
      report.cancelled = true;
      report.durationMs = Date.now() - started;
      return report;
    }
    if ((err as { code?: string }).code === 'ENOSPC') {
      throw new StudioError('disk_full', `The disk filled up while restoring into ${dest}; nothing was kept. Free some space (the backup needs about ${formatBytes(bytes + manifest.database.rawSize)}) or restore to another disk.`, { cause: err });
    }
    throw err;
  }
  report.durationMs = Date.now() - started;
  return report;
}

/** The snapshot `latest` points at, with its manifest's sha256; `not_found` when the project has no backup there. */
async function latestSnapshot(folder: S3Target, project: string, signal?: AbortSignal): Promise<LatestPointer> {
  const text = await folder.getText(bucketLayout.latest, signal);
  if (text === null) {
    throw new StudioError('not_found', `There is no backup of "${project}" in ${folder.location.slice(0, -project.length - 1)}. Check the bucket, prefix and project name (list the backups to see them).`);
  }
  try {
    return LatestPointerSchema.parse(JSON.parse(text));
  } catch {
    throw new StudioError('io', `${folder.location}latest is damaged. Name the snapshot to restore instead.`);
  }
}

/** The destination must be new: missing, or an empty folder. */
async function assertRestorable(dest: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(dest);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new StudioError('invalid_input', `${dest} is a file. Restore into a new folder.`);
  const entries = (await fsp.readdir(dest)).filter((e) => !e.startsWith('.'));
  if (entries.length > 0) throw new StudioError('already_exists', `${dest} is not empty. Restore into a new or empty folder; nothing in it was touched.`);
}

async function assertSpace(dir: string, needed: number): Promise<void> {
  let probe = dir;
  while (!fs.existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    const stats = await fsp.statfs(probe);
    const free = stats.bavail * stats.bsize;
    if (free < needed) {
      throw new StudioError('disk_full', `Restoring needs about ${formatBytes(needed)}, and ${probe} has ${formatBytes(free)} free. Free some space or restore to another disk.`);
    }
  } catch (err) {
    if (err instanceof StudioError) throw err;
    /* statfs is not everywhere: the copy itself will tell */
  }
}

/** Fetches the database copy, unpacks it and checks it against the manifest's sha256. */
async function restoreDatabase(folder: S3Target, manifest: BackupManifest, staging: string, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<void> {
  const gz = path.join(staging, 'cache', 'restore-project.db.gz');
  const { database } = manifest;
  await downloadVerified(folder, { key: database.key, size: database.size, sha256: database.sha256 }, gz, { signal, onBytes });
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    fs.createReadStream(gz),
    createGunzip(),
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    fs.createWriteStream(path.join(staging, PROJECT_DB)),
    { signal },
  );
  await fsp.rm(gz, { force: true });
  if (size !== database.rawSize || hash.digest('hex') !== database.rawSha256) {
    throw new StudioError('io', `The backup's database ${database.key} does not unpack to the database the manifest names: the snapshot is damaged. Restore another snapshot.`);
  }
}

/**
 * Opens the restored project (quick_check on open), checks that every image has its media file,
 * and makes the thumbnails again the way an import makes them.
 */
async function checkAndMakeThumbnails(staging: string, manifest: BackupManifest, report: RestoreReport, meter: TransferMeter, signal?: AbortSignal): Promise<void> {
  const store = ProjectStore.open(staging);
  try {
    const check = store.quickCheck();
    if (check !== 'ok') throw new StudioError('io', `The restored database fails its check (${check}): the snapshot is damaged. Restore another snapshot.`);
    const media = new MediaStore(store.paths);
    const missing = new Set(manifest.missing.map((m) => m.path));
    const images = store.images.listStored();
    for (const image of images) {
      const file = media.mediaPath(image.hash, image.ext);
      if (!fs.existsSync(file) && !missing.has(`media/${image.hash.slice(0, 2)}/${image.hash}${image.ext}`)) {
        throw new StudioError('io', `The snapshot's manifest lacks the media file of image ${image.hash.slice(0, 12)}…: the snapshot is incomplete. Restore another snapshot.`);
      }
    }
    report.images = images.length;
    report.annotations = store.annotations.count();
    report.runs = store.runs.count();

    let done = 0;
    await forEachLimited(images, 2, signal, async (image) => {
      const file = media.mediaPath(image.hash, image.ext);
      try {
        const decoded = await decodeImage(await fsp.readFile(file));
        await media.putThumb(image.hash, decoded.thumbnail);
        report.thumbnails++;
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOSPC') throw err;
        report.thumbnailsFailed++;
      }
      meter.activity(`making thumbnails: ${++done} of ${images.length}`);
    });
  } finally {
    store.dispose();
  }
}

/** Renames the finished folder into place; into an existing empty folder, the database goes last. */
async function moveIntoPlace(staging: string, dest: string): Promise<void> {
  try {
    await fsp.rename(staging, dest);
    return;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  }
  // `dest` exists (empty but for hidden files): move the entries, the database last, so the
  // folder is a project only once it is whole.
  const entries = (await fsp.readdir(staging)).sort((a, b) => (a === PROJECT_DB ? 1 : b === PROJECT_DB ? -1 : a.localeCompare(b)));
  for (const entry of entries) await fsp.rename(path.join(staging, entry), path.join(dest, entry));
  await fsp.rmdir(staging);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  try {
    await fsp.link(from, to);
  } catch {
    await fsp.copyFile(from, to);
  }
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.ceil(n / 1024)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
