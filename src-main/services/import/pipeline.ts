/**
 * The one path every import takes, whatever the format: read and hash each file, skip what the
 * project holds already, decode the header and make the thumbnail (sharp, off the main thread),
 * store the bytes content-addressed, then write the image row and its labels in one transaction.
 *
 * Crash safety: media and thumbnails are written atomically before the row that points at them,
 * and an image's row and labels commit together. A killed import leaves only whole images behind;
 * running it again finds them by hash and adds the rest.
 */
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { StudioError, isDiskFullError, type ImportFailure, type ImportReport } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import type { NewAnnotation } from '../store/annotation-repository.js';
import { BadImageError, DEFAULT_MAX_PIXELS, decodeImage } from '../media/image-decoder.js';
import { differenceHash } from '../media/difference-hash.js';
import { openRegularFile } from '../media/regular-files.js';
import { MAX_BOXES_PER_IMAGE } from './limits.js';
import type { ImportPlan, PlannedImage, PlannedLabel } from './plan.js';

interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  duplicates: number;
  failed: number;
  current?: string;
}

interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Refuse images over this many pixels (decompression bombs). */
  maxPixels?: number;
  /** Refuse files over this many bytes. */
  maxFileBytes?: number;
  /** Files read and decoded at once. */
  concurrency?: number;
  /** Shown instead of the real path in reports (uploads live in a staging folder). */
  displayPath?: (file: string) => string;
}

const DEFAULT_MAX_FILE_BYTES = 1024 ** 3;
const FLUSH_EVERY = 64;
const FLUSH_MS = 250;
const PROGRESS_MS = 100;

interface PendingWrite {
  planned: PlannedImage;
  /** Present for a new image; absent when labels go to an image the project has already. */
  image?: { hash: string; ext: string; format: string; width: number; height: number; bytes: number; dhash: string | null };
  existingId?: number;
  /**
   * A copy of a file another worker of this run claimed first (which copy is claimed first
   * depends on timing). Its labels go to that image once it is stored, if it has none; and if
   * this copy comes first in the folder, it is the one the image is stored as.
   */
  copyOf?: string;
  annotations: NewAnnotation[];
  /** For a copy: `annotations` are already this file's labels in pixels (and their failures reported). */
  labelsReady?: boolean;
}

export async function runImport(store: ProjectStore, media: MediaStore, plan: ImportPlan, options: ImportOptions = {}): Promise<ImportReport> {
  const started = Date.now();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const concurrency = Math.max(1, options.concurrency ?? Math.max(2, os.availableParallelism()));
  const display = options.displayPath ?? ((p: string) => p);
  const task = store.info().task;

  const failures: ImportFailure[] = [...plan.failures];
  const labelNames = plan.images.flatMap((i) => i.labels.map((l) => l.className));
  let ensured: ReturnType<ProjectStore['classes']['ensure']>;
  try {
    ensured = store.classes.ensure([...plan.classNames, ...labelNames]);
  } catch (err) {
    throw importStopped(err);
  }
  const { ids: classIds, created: classesCreated } = ensured;

  let imported = 0;
  let duplicates = 0;
  let annotations = 0;
  let done = 0;
  const total = plan.images.length;
  /** Hashes claimed in this run, so two copies of a file in one import count as one. */
  const claimed = new Set<string>();
  /**
   * Finished files wait here until every file before them finished too, so images are committed
   * (and shown in the grid) in the order of the folder, whatever order the threads finish in.
   */
  const finished = new Map<number, PendingWrite | null>();
  /** Labels of in-run copies, waiting for the copy that was claimed first to be stored. */
  const labelsForCopies: PendingWrite[] = [];
  let nextToCommit = 0;
  let pendingCount = 0;
  let lastFlush = Date.now();
  let lastProgress = 0;

  const progress = (current?: string, force = false) => {
    const now = Date.now();
    if (!options.onProgress || (!force && now - lastProgress < PROGRESS_MS)) return;
    lastProgress = now;
    options.onProgress({ done, total, imported, duplicates, failed: failures.length, current });
  };

  const flush = (all = false) => {
    const batch: PendingWrite[] = [];
    while (finished.has(nextToCommit)) {
      const w = finished.get(nextToCommit);
      finished.delete(nextToCommit++);
      if (w) batch.push(w);
    }
    if (all) {
      // Stopping (cancel or error): commit whatever finished, in order.
      for (const key of [...finished.keys()].sort((a, b) => a - b)) {
        const w = finished.get(key);
        if (w) batch.push(w);
      }
      finished.clear();
    }
    pendingCount = finished.size;
    if (batch.length === 0 && labelsForCopies.length === 0) return;
    lastFlush = Date.now();
    /** Stores one finished file; false when it holds labels for a copy not stored yet. */
    const apply = (w: PendingWrite): boolean => {
      if (w.copyOf !== undefined) {
        const target = store.images.byHash(w.copyOf);
        if (!target) return false;
        if (target.annotationCount > 0 || target.status === 'done') return true;
        w.existingId = target.id;
        if (!w.labelsReady) w.annotations = toAnnotations(w.planned, target.width, target.height, task, classIds, failures, display(w.planned.path));
      }
      let imageId = w.existingId;
      if (w.image) {
        const again = store.images.byHash(w.image.hash);
        if (again) {
          // Another import (or an earlier run) stored it meanwhile.
          duplicates++;
          return true;
        }
        // Files are applied in the folder's order: copies of these bytes waiting here come before
        // this file, and the first of them is the one stored, whichever a worker reached first.
        const hash = w.image.hash;
        const earlier = labelsForCopies.filter((c) => c.copyOf === hash);
        const first = earlier.shift();
        const as = first?.planned ?? w.planned;
        imageId = store.images.insert({
          ...w.image,
          name: path.basename(as.path),
          originalPath: display(as.path),
          status: as.labeled ? 'done' : 'new',
          split: as.split ?? null,
        });
        imported++;
        if (first) {
          const labels = toAnnotations(first.planned, w.image.width, w.image.height, task, classIds, failures, display(first.planned.path));
          if (labels.length > 0) annotations += store.annotations.insertMany(imageId, labels);
          // The other copies, this file last, fill it in the folder's order if it has no labels yet.
          for (let k = labelsForCopies.length - 1; k >= 0; k--) if (labelsForCopies[k].copyOf === hash) labelsForCopies.splice(k, 1);
          for (const c of earlier) apply(c);
          apply({ planned: w.planned, copyOf: hash, annotations: w.annotations, labelsReady: true });
          return true;
        }
      } else if (w.planned.labeled && imageId !== undefined) {
        store.images.setStatus([imageId], 'done');
        if (w.planned.split) store.images.setSplits([{ id: imageId, split: w.planned.split }]);
      }
      if (imageId !== undefined && w.annotations.length > 0) annotations += store.annotations.insertMany(imageId, w.annotations);
      return true;
    };
    store.writeTransaction(() => {
      for (const w of [...labelsForCopies.splice(0), ...batch]) if (!apply(w)) labelsForCopies.push(w);
      // A copy's labels may come before the copy they belong to in the same batch: once more.
      for (const w of labelsForCopies.splice(0)) if (!apply(w)) labelsForCopies.push(w);
    })();
  };

  const handle = async (planned: PlannedImage, index: number) => {
    const shown = display(planned.path);
    let write: PendingWrite | null = null;
    try {
      const { bytes, hash } = await readAndHash(planned.path, maxFileBytes);
      const existing = store.images.byHash(hash);
      if (existing || claimed.has(hash)) {
        duplicates++;
        // A dataset's labels still fill an image that nobody labeled yet (plain images imported
        // first, the labels later). An image that holds labels is never touched: re-running an
        // import must add nothing.
        if (existing && planned.labeled && existing.annotationCount === 0 && existing.status !== 'done') {
          write = { planned, existingId: existing.id, annotations: toAnnotations(planned, existing.width, existing.height, task, classIds, failures, shown) };
        } else if (!existing) {
          // Another file of this import has the same bytes and was claimed first: whichever copy
          // a worker happened to reach first, the first in the folder is stored, and the labels
          // of the others fill it if it has none.
          write = { planned, copyOf: hash, annotations: [] };
        }
        return;
      }
      claimed.add(hash);
      let decoded;
      try {
        decoded = await decodeImage(bytes, maxPixels);
      } catch (err) {
        claimed.delete(hash);
        throw err;
      }
      await media.putMedia(hash, decoded.ext, bytes);
      await media.putThumb(hash, decoded.thumbnail);
      // From the thumbnail, not a second decode of the original. A failure only costs the
      // near-duplicate check this image; the health report tries again later.
      const dhash = await differenceHash(decoded.thumbnail).catch(() => null);
      write = {
        planned,
        image: { hash, ext: decoded.ext, format: decoded.format, width: decoded.width, height: decoded.height, bytes: bytes.length, dhash },
        annotations: toAnnotations(planned, decoded.width, decoded.height, task, classIds, failures, shown),
      };
    } catch (err) {
      if (err instanceof BadImageError) failures.push({ path: shown, reason: err.message });
      else if (isErrno(err, 'ENOSPC')) throw importStopped(err);
      else failures.push({ path: shown, reason: describeFsError(err) });
    } finally {
      finished.set(index, write);
      pendingCount++;
      done++;
    }
  };

  let cancelled = false;
  /**
   * The error that stops the import (a full disk). The other workers take no more files once it
   * is set, and the import answers only after they all stopped: nothing is written after that.
   */
  let stopError: unknown = null;
  let next = 0;
  const worker = async () => {
    while (next < plan.images.length && stopError === null) {
      if (options.signal?.aborted) {
        cancelled = true;
        return;
      }
      const index = next++;
      const planned = plan.images[index];
      try {
        await handle(planned, index);
        if (pendingCount >= FLUSH_EVERY || Date.now() - lastFlush > FLUSH_MS) flush();
      } catch (err) {
        stopError ??= err;
        return;
      }
      progress(display(planned.path));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, plan.images.length)) }, worker));
  // Whatever finished is committed, also when the import stops on an error or a cancel.
  try {
    flush(true);
  } catch (err) {
    stopError ??= err;
  }
  if (stopError !== null) throw importStopped(stopError);
  progress(undefined, true);

  return {
    format: plan.format,
    imported,
    duplicates,
    failed: failures,
    skipped: plan.skipped,
    outside: plan.outside ?? 0,
    annotations,
    classesCreated,
    cancelled,
    durationMs: Date.now() - started,
  };
}

/**
 * Labels as stored: pixels, clamped to the image; labels that make no sense are reported, and
 * boxes past MAX_BOXES_PER_IMAGE are left out with one line in the report.
 */
function toAnnotations(
  planned: PlannedImage,
  width: number,
  height: number,
  task: 'detect' | 'classify',
  classIds: Map<string, number>,
  failures: ImportFailure[],
  shown: string,
): NewAnnotation[] {
  const out: NewAnnotation[] = [];
  const where = planned.labelSource ?? shown;
  let boxes = 0;
  let overCap = 0;
  for (const label of planned.labels) {
    const classId = classIds.get(label.className.trim());
    if (classId === undefined) continue;
    if (label.kind === 'tag') {
      if (task === 'classify') out.push({ kind: 'tag', classId, source: 'import' });
      continue;
    }
    const box = toPixelBox(label, width, height);
    if (!box) {
      failures.push({ path: where, reason: `a "${label.className}" box lies outside the ${width}×${height} image; it was left out` });
      continue;
    }
    if (boxes++ >= MAX_BOXES_PER_IMAGE) {
      overCap++;
      continue;
    }
    out.push({ kind: 'box', classId, ...box, source: 'import' });
  }
  if (overCap > 0) {
    failures.push({
      path: where,
      reason: `${count(boxes)} boxes for ${path.basename(planned.path)}; an image takes at most ${count(MAX_BOXES_PER_IMAGE)}, so the first ${count(MAX_BOXES_PER_IMAGE)} were imported and ${count(overCap)} left out`,
    });
  }
  return out;
}

const count = (n: number): string => n.toLocaleString('en');

function toPixelBox(label: Extract<PlannedLabel, { kind: 'box' }>, width: number, height: number): { x: number; y: number; w: number; h: number } | null {
  const sx = label.normalized ? width : 1;
  const sy = label.normalized ? height : 1;
  const x0 = Math.min(Math.max(label.x * sx, 0), width);
  const y0 = Math.min(Math.max(label.y * sy, 0), height);
  const x1 = Math.min(Math.max((label.x + label.w) * sx, 0), width);
  const y1 = Math.min(Math.max((label.y + label.h) * sy, 0), height);
  if (!(x1 - x0 > 0) || !(y1 - y0 > 0)) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Reads a file in chunks, hashing as it goes: no chunk holds the event loop for long. Only a
 * regular file is opened: a named pipe or a device is reported, never read.
 */
async function readAndHash(file: string, maxBytes: number): Promise<{ bytes: Buffer; hash: string }> {
  const { handle, stat } = await openRegularFile(file, 'it');
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    if (stat.size === 0) throw new BadImageError('empty file (0 bytes)');
    if (stat.size > maxBytes) throw new BadImageError(`file too large (${(stat.size / 1024 ** 2).toFixed(0)} MiB; the limit is ${(maxBytes / 1024 ** 2).toFixed(0)} MiB)`);
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false })) {
      length += (chunk as Buffer).length;
      if (length > maxBytes) throw new BadImageError(`file too large (over ${(maxBytes / 1024 ** 2).toFixed(0)} MiB, the limit)`);
      hash.update(chunk as Buffer);
      chunks.push(chunk as Buffer);
    }
  } finally {
    await handle.close();
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw new BadImageError('empty file (0 bytes)');
  return { bytes, hash: hash.digest('hex') };
}

/** A full disk (a media write's ENOSPC, SQLite's SQLITE_FULL) becomes the error a user can act on. */
function importStopped(err: unknown): unknown {
  if (err instanceof StudioError || !isDiskFullError(err)) return err;
  return new StudioError('disk_full', 'The disk is full: the import stopped. Everything imported so far is kept; free some space and import again to finish.', { cause: err });
}

function isErrno(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return err instanceof Error ? err.message : String(err);
}
