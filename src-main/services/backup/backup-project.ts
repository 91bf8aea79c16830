/**
 * Backs one project up to its folder in a bucket (layout in backup-manifest.ts):
 *
 * 1. copy the database online, and read from the copy which media and runs it names;
 * 2. hash the run files (remembered by size and mtime between backups);
 * 3. list the bucket once, and send only the objects it lacks (content-addressed, same size);
 * 4. send the database copy, then the manifest, then the summary and `latest`.
 *
 * Until the manifest is written nothing claims a snapshot, so a cancelled or killed backup
 * leaves objects the next one reuses and no half a backup. Multipart uploads carry on where
 * they stopped (object-upload.ts).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { StudioError, type BackupReport, type BackupSkippedFile } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { S3Target } from './s3-target.js';
import { BackupState } from './backup-state.js';
import { bucketLayout, backupProjectKey, LatestPointerSchema, parseJsonOrNull, sha256Hex, snapshotId, type BackupManifest, type LatestPointer, type ManifestObject, type SnapshotSummary } from './backup-manifest.js';
import { gzipFile, hashFile, snapshotDatabase } from './database-snapshot.js';
import { ChangedFileError, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, uploadFile, type UploadContext, type UploadSource } from './object-upload.js';
import { forEachLimited } from './work-pool.js';
import { TransferMeter, type TransferProgress } from './transfer-progress.js';
import { isAbort } from './s3-errors.js';

export const BACKUP_STATE_FILE = 'backup-state.json';

export interface BackupOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Multipart part size in bytes. */
  partSize?: number;
  /** Files above this many bytes go as multipart uploads. */
  multipartThreshold?: number;
  /** Objects sent at once. */
  concurrency?: number;
  now?: () => Date;
}

/** Runs still writing their files: their rows are backed up, their folders are not. */
const ACTIVE_RUN = new Set(['queued', 'running']);

/**
 * Backs `store` up into `bucket` (the target's prefix folder). Cancelled, it answers a report
 * with `cancelled` and no snapshot.
 */
export async function backupProject(store: ProjectStore, bucket: S3Target, options: BackupOptions = {}): Promise<BackupReport> {
  const started = Date.now();
  const { signal } = options;
  const info = store.info();
  const project = backupProjectKey(info);
  const folder = bucket.within(project);
  const state = BackupState.load(path.join(store.paths.cache, BACKUP_STATE_FILE), `${bucket.target.endpoint ?? 'aws'} ${folder.location}`);
  const meter = new TransferMeter(options.onProgress);
  const report: BackupReport = {
    location: folder.location,
    project,
    snapshot: null,
    objectsTotal: 0,
    bytesTotal: 0,
    objectsUploaded: 0,
    bytesUploaded: 0,
    objectsSkipped: 0,
    bytesSkipped: 0,
    uploadsResumed: 0,
    databaseBytes: 0,
    skippedFiles: [],
    activeRunsSkipped: 0,
    cancelled: false,
    durationMs: 0,
  };
  const ctx: UploadContext = {
    bucket: folder,
    state,
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    multipartThreshold: Math.max(options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD, options.partSize ?? 0),
    signal,
    onBytes: (n) => meter.bytes(n),
  };

  await fsp.mkdir(store.paths.cache, { recursive: true });
  const work = await fsp.mkdtemp(path.join(store.paths.cache, 'backup-'));
  try {
    meter.phase('scanning', 'copying the database');
    // The snapshot is the project as it was when its database was copied.
    const takenAt = options.now?.() ?? new Date();
    const db = await snapshotDatabase(store, path.join(work, 'project.db'));
    throwIfAborted(signal);

    const objects = mediaObjects(store.paths.root, db.images, report.skippedFiles);
    const runs = db.runs.filter((r) => !ACTIVE_RUN.has(r.status));
    report.activeRunsSkipped = db.runs.length - runs.length;
    objects.push(...(await runObjects(store.paths.root, runs.map((r) => r.id), objects, state, meter, signal)));

    meter.activity(`listing ${folder.location}`);
    const inBucket = new Map<string, number>();
    for (const prefix of ['media/', 'runs/']) {
      for (const o of (await folder.list(prefix, { signal })).objects) inBucket.set(o.key, o.size);
    }

    const sources = new Map<string, UploadSource>();
    for (const o of objects) if (!sources.has(o.key)) sources.set(o.key, { file: path.join(store.paths.root, ...o.path.split('/')), key: o.key, size: o.size, sha256: o.sha256 });
    const toSend: UploadSource[] = [];
    for (const source of sources.values()) {
      if (inBucket.get(source.key) === source.size) {
        report.objectsSkipped++;
        report.bytesSkipped += source.size;
      } else {
        toSend.push(source);
      }
    }
    // Uploads an earlier backup began for objects that arrived since, or are no longer wanted.
    const sending = new Set(toSend.map((s) => s.key));
    for (const key of state.pendingKeys()) {
      if (sending.has(key)) continue;
      const pending = state.pending(key);
      if (pending) await folder.abortMultipart(key, pending.uploadId);
      state.endUpload(key);
    }

    report.objectsTotal = sources.size;
    report.bytesTotal = [...sources.values()].reduce((n, s) => n + s.size, 0);
    meter.phase('working', `sending ${toSend.length} files`, { files: toSend.length, bytes: toSend.reduce((n, s) => n + s.size, 0) });
    const damaged = new Set<string>();
    await forEachLimited(toSend, options.concurrency ?? 4, signal, async (source) => {
      try {
        const { resumed } = await uploadFile(source, ctx);
        report.objectsUploaded++;
        report.bytesUploaded += source.size;
        if (resumed) report.uploadsResumed++;
        meter.fileDone();
      } catch (err) {
        if (!(err instanceof ChangedFileError)) throw err;
        damaged.add(source.key);
        meter.fileDone();
      }
    });
    const kept = objects.filter((o) => {
      if (!damaged.has(o.key)) return true;
      report.skippedFiles.push({ path: o.path, reason: o.path.startsWith('media/') ? 'damaged: its bytes do not match its hash' : 'changed while it was being backed up' });
      return false;
    });
    report.objectsTotal = new Set(kept.map((o) => o.key)).size;
    report.bytesTotal = [...new Map(kept.map((o) => [o.key, o.size])).values()].reduce((a, b) => a + b, 0);

    meter.phase('finishing', 'sending the database');
    const id = snapshotId(takenAt);
    const gz = await gzipFile(db.file, path.join(work, 'project.db.gz'));
    meter.extend({ files: 1, bytes: gz.size });
    const databaseKey = bucketLayout.database(id);
    await uploadFile({ file: path.join(work, 'project.db.gz'), key: databaseKey, size: gz.size, sha256: gz.sha256 }, ctx);
    report.databaseBytes = gz.size;
    meter.fileDone();

    const manifest: BackupManifest = {
      format: 'reticle-backup',
      version: 1,
      snapshot: id,
      createdAt: takenAt.toISOString(),
      project: { key: project, name: info.name, task: info.task, multiLabel: info.multiLabel, createdAt: info.createdAt, schemaVersion: info.schemaVersion },
      database: { key: databaseKey, encoding: 'gzip', size: gz.size, sha256: gz.sha256, rawSize: db.size, rawSha256: db.sha256 },
      objects: kept,
      missing: report.skippedFiles,
      counts: db.counts,
    };
    if (signal?.aborted) {
      await folder.delete(databaseKey);
      throw signal.reason;
    }
    // The manifest makes the snapshot: from here on it exists, whatever happens next.
    meter.phase('finishing', 'writing the manifest');
    const manifestText = JSON.stringify(manifest);
    await putJson(folder, bucketLayout.manifest(id), manifestText);
    report.snapshot = id;
    const summary: SnapshotSummary = { snapshot: id, createdAt: manifest.createdAt, projectName: info.name, images: db.counts.images, objects: report.objectsTotal, bytes: report.bytesTotal };
    await putJson(folder, bucketLayout.summary(id), JSON.stringify(summary));
    // Another studio may have finished a newer snapshot meanwhile: `latest` never goes back.
    const current = LatestPointerSchema.safeParse(parseJsonOrNull(await folder.getText(bucketLayout.latest))).data;
    if (!current || current.snapshot <= id) {
      const latest: LatestPointer = { snapshot: id, manifestSha256: sha256Hex(manifestText) };
      await putJson(folder, bucketLayout.latest, JSON.stringify(latest));
    }
  } catch (err) {
    if (report.snapshot === null && (signal?.aborted || isAbort(err))) {
      report.cancelled = true;
    } else {
      throw err;
    }
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
    saveQuietly(state);
    report.durationMs = Date.now() - started;
  }
  return report;
}

/** Each image's media file, by the hash its row names; a missing file is reported, not fatal. */
function mediaObjects(root: string, images: { hash: string; ext: string }[], skipped: BackupSkippedFile[]): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const { hash, ext } of images) {
    const rel = `media/${hash.slice(0, 2)}/${hash}${ext}`;
    let size: number;
    try {
      size = fs.statSync(path.join(root, ...rel.split('/'))).size;
    } catch {
      skipped.push({ path: rel, reason: 'missing from the project folder' });
      continue;
    }
    out.push({ path: rel, key: bucketLayout.media(hash, ext), size, sha256: hash });
  }
  return out;
}

/**
 * The files of finished runs. A file whose bytes are a media file (a run's dataset links its
 * images) points at the media object instead of being sent twice.
 */
async function runObjects(root: string, runIds: string[], media: ManifestObject[], state: BackupState, meter: TransferMeter, signal?: AbortSignal): Promise<ManifestObject[]> {
  const mediaKeys = new Map(media.map((m) => [m.sha256, m.key]));
  const out: ManifestObject[] = [];
  const seen = new Set<string>();
  for (const id of runIds) {
    for (const rel of await listFiles(root, `runs/${id}`)) {
      throwIfAborted(signal);
      const file = path.join(root, ...rel.split('/'));
      const stat = await fsp.stat(file).catch(() => null);
      // Gone since the folder was listed (a run deleted meanwhile): nothing to back up.
      if (!stat) continue;
      let sha = state.knownHash(rel, stat);
      if (!sha) {
        meter.activity(`hashing ${rel}`);
        sha = (await hashFile(file)).sha256;
        state.rememberHash(rel, stat, sha);
      }
      seen.add(rel);
      out.push({ path: rel, key: mediaKeys.get(sha) ?? bucketLayout.runFile(sha), size: stat.size, sha256: sha });
    }
  }
  state.keepHashes(seen);
  return out;
}

/** Regular files under `root/rel`, as `/`-separated paths relative to root; none when it is missing. */
async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(path.join(root, ...rel.split('/')), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (e.isFile() && !e.name.endsWith('.tmp')) out.push(child);
  }
  return out;
}

async function putJson(folder: S3Target, key: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const md5 = createHash('md5').update(bytes).digest();
  const etag = await folder.put(key, bytes, { md5, sha256: sha256Hex(bytes), contentType: 'application/json' });
  if (etag && /^[0-9a-f]{32}$/i.test(etag) && etag.toLowerCase() !== md5.toString('hex')) {
    throw new StudioError('io', `${folder.location}${key} did not arrive intact. Run the backup again.`);
  }
}


function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason;
}

/** The state is a cache: failing to save it costs a re-hash next time, not this backup. */
function saveQuietly(state: BackupState): void {
  try {
    state.save();
  } catch {
    /* see above */
  }
}
