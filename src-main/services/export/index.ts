/**
 * Writes a project's labeled images out as a dataset other tools train on: YOLO or COCO for
 * detection, class folders for classification. The project is only read; splits chosen here are
 * not written back.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { StudioError, type BoxAnnotation, type ExportFormat, type ExportReport, type ExportStartInput, type Split, type TaskType } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import { writeAtomic, type MediaStore } from '../media/media-store.js';
import { DEFAULT_SPLIT, assignSplits, type SplitItem } from '../dataset/split.js';
import { hasSplitSettings, splitSettings } from '../dataset/project-splits.js';
import { exportFileNames, insideOutDir, type ExportItem, type ExportLayout, type ExportOp, type LayoutInput } from './layout.js';
import { yoloLayout } from './yolo.js';
import { cocoLayout } from './coco.js';
import { foldersLayout } from './folders.js';

export type ExportRequest = z.output<typeof ExportStartInput>;

export interface ExportOptions {
  signal?: AbortSignal;
  /** Files written so far, of all to write. */
  onProgress?: (done: number, total: number) => void;
  /**
   * How images get into the export. 'copy' (the default): a copy-on-write clone where the file
   * system has them, else a copy. 'link': a hard link to the project's media file, which is
   * content-addressed and never modified, so linking is safe and takes no space; a copy where
   * linking fails (another device, a file system without links).
   */
  media?: 'copy' | 'link';
  /**
   * Allow an output folder inside the project's `runs/` folder (a training run's dataset
   * snapshot). Anywhere else inside the project is still refused.
   */
  allowInsideRuns?: boolean;
}

/** Lists what an export wrote, so that exporting again into the folder removes what is stale. */
export const EXPORT_MANIFEST = '.reticle-export.json';
const WRITES_AT_ONCE = 8;
const PROGRESS_MS = 100;
/** Files an OS drops into any folder; they do not make it "not empty". */
const OS_LITTER = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

const TASK_OF: Record<ExportFormat, TaskType> = { yolo: 'detect', coco: 'detect', folders: 'classify' };
const LAYOUTS: Record<ExportFormat, (input: LayoutInput) => ExportLayout> = { yolo: yoloLayout, coco: cocoLayout, folders: foldersLayout };

/**
 * Exports the project's labeled images (an annotation, or marked done) to `request.outDir`.
 *
 * Splits: with `request.split`, a fresh stratified split by `request.seed` (pinned images keep
 * theirs); without, each image's own split, and for images that have none the project's split
 * settings (0.8/0.1/0.1 by `request.seed` where it has none). The output folder must be missing
 * or empty unless `overwrite`; writing into a folder a previous export made also removes the
 * files of that export that this one no longer writes.
 *
 * @throws StudioError `invalid_input` for a format that does not fit the project, an output folder
 *   inside the project, or nothing to export; `already_exists` for a non-empty folder without
 *   `overwrite`; `cancelled` when `opts.signal` aborts (a folder this export made is removed)
 */
export async function exportDataset(store: ProjectStore, media: MediaStore, request: ExportRequest, opts: ExportOptions = {}): Promise<ExportReport> {
  const started = Date.now();
  const { signal } = opts;
  const task = store.info().task;
  checkFormatFits(request.format, task);
  const outDir = path.resolve(request.outDir);
  await refuseInsideProject(outDir, store.paths.root, opts.allowInsideRuns ? store.paths.runs : null);
  const existed = await checkOutDir(outDir, request.overwrite);
  throwIfCancelled(signal);

  const { items, skippedUnlabeled } = collectItems(store, media, task, request);
  if (items.length === 0) {
    throw new StudioError(
      'invalid_input',
      skippedUnlabeled > 0
        ? `Nothing to export yet: none of the ${skippedUnlabeled} images is labeled. Label some, or mark them done.`
        : 'Nothing to export: the project has no images.',
    );
  }
  const layout = LAYOUTS[request.format]({ items, classes: store.classes.list() });
  const written = [...layout.ops, ...layout.finalOps].filter((op) => op.kind !== 'dir').map((op) => op.to);
  const previous = existed ? await readManifest(outDir) : [];

  await fsp.mkdir(outDir, { recursive: true });
  try {
    // Listed first, so that a cancelled export still tells the next one what to clean up.
    if (previous.length > 0) await writeManifest(outDir, request.format, [...new Set([...previous, ...written])]);
    await carryOut(outDir, layout, opts);
    await writeManifest(outDir, request.format, written);
    await removeStale(outDir, previous, new Set(written));
  } catch (err) {
    if (!existed) await fsp.rm(outDir, { recursive: true, force: true });
    if (signal?.aborted) throw new StudioError('cancelled', 'The export was cancelled.', { cause: err });
    throw err;
  }

  const perSplit: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const item of items) perSplit[item.split]++;
  return {
    format: request.format,
    outDir,
    images: items.length,
    annotations: layout.annotations,
    perSplit,
    skippedUnlabeled,
    durationMs: Date.now() - started,
  };
}

function checkFormatFits(format: ExportFormat, task: TaskType): void {
  if (TASK_OF[format] === task) return;
  if (format === 'folders') {
    throw new StudioError('invalid_input', 'Class folders hold classification labels, and this is a detection project. Export it as YOLO or COCO.');
  }
  throw new StudioError('invalid_input', `${format === 'yolo' ? 'YOLO' : 'COCO'} exports hold boxes, and this is a classification project. Export it as class folders.`);
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'The export was cancelled.');
}

/** Resolves symlinks in the part of `p` that exists, so a link cannot hide where it leads. */
async function realLocation(p: string): Promise<string> {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(await fsp.realpath(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

async function refuseInsideProject(outDir: string, projectRoot: string, allowedWithin: string | null): Promise<void> {
  const [out, root] = await Promise.all([realLocation(outDir), realLocation(projectRoot)]);
  const within = (base: string) => path.relative(base, out);
  const below = (rel: string) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  if (allowedWithin && below(within(await realLocation(allowedWithin)))) return;
  const rel = within(root);
  if (rel === '' || below(rel)) {
    throw new StudioError('invalid_input', `${outDir} is inside the project folder. Choose a folder outside ${projectRoot} for the export.`);
  }
}

/** Whether the folder exists; refuses a file, and a non-empty folder without `overwrite`. */
async function checkOutDir(outDir: string, overwrite: boolean): Promise<boolean> {
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(outDir);
  } catch {
    return false;
  }
  if (!stat.isDirectory()) throw new StudioError('invalid_input', `${outDir} is a file. Choose a folder for the export.`);
  const entries = (await fsp.readdir(outDir)).filter((e) => !OS_LITTER.has(e));
  if (entries.length > 0 && !overwrite) {
    throw new StudioError('already_exists', `${outDir} is not empty. Choose an empty or new folder, or allow writing into this one.`);
  }
  return true;
}

/** The labeled images with their split, file name and labels, in id order. */
function collectItems(store: ProjectStore, media: MediaStore, task: TaskType, request: ExportRequest): { items: ExportItem[]; skippedUnlabeled: number } {
  const annotations = store.annotations.byImage();
  const candidates: Omit<ExportItem, 'split' | 'fileName'>[] = [];
  const stored = new Map<number, { hash: string; ext: string }>();
  let skippedUnlabeled = 0;

  for (const image of store.images.iterate()) {
    const labeled = image.annotationCount > 0 || image.status === 'done';
    const own = annotations.get(image.id) ?? [];
    const boxes = own.filter((a): a is BoxAnnotation => a.kind === 'box');
    const tagClassIds = own.filter((a) => a.kind === 'tag').map((a) => a.classId);
    // A classification image says nothing until it has a class, even if marked done.
    if (!labeled || (task === 'classify' && tagClassIds.length === 0)) {
      skippedUnlabeled++;
      continue;
    }
    const file = store.images.stored(image.id);
    if (!file) continue;
    stored.set(image.id, file);
    candidates.push({ image, source: media.mediaPath(file.hash, file.ext), boxes, tagClassIds });
  }

  const fallback = hasSplitSettings(store) ? splitSettings(store) : { ratios: DEFAULT_SPLIT, seed: request.seed };
  const splits = chooseSplits(candidates, task, request, fallback);
  const names = exportFileNames(candidates.map((c) => ({ id: c.image.id, name: c.image.name, ...stored.get(c.image.id)! })));
  const items = candidates.map((c) => ({ ...c, split: splits.get(c.image.id) ?? 'train', fileName: names.get(c.image.id)! }));
  return { items, skippedUnlabeled };
}

function chooseSplits(
  candidates: readonly Omit<ExportItem, 'split' | 'fileName'>[],
  task: TaskType,
  request: ExportRequest,
  fallback: { ratios: readonly [number, number, number]; seed: number },
): Map<number, Split> {
  const toSplitItem = (c: Omit<ExportItem, 'split' | 'fileName'>, keepOwn: boolean): SplitItem => ({
    id: c.image.id,
    classIds: task === 'detect' ? c.boxes.map((b) => b.classId) : c.tagClassIds,
    split: c.image.split,
    pinned: keepOwn && c.image.split !== null,
  });
  if (request.split) {
    return assignSplits(
      candidates.map((c) => toSplitItem(c, c.image.splitPinned)),
      request.split,
      request.seed,
    );
  }
  const result = new Map<number, Split>();
  const unassigned: SplitItem[] = [];
  for (const c of candidates) {
    if (c.image.split) result.set(c.image.id, c.image.split);
    else unassigned.push(toSplitItem(c, false));
  }
  // Images without a split are split among themselves, so new images do not all go to
  // whichever split the older ones left short.
  for (const [id, split] of assignSplits(unassigned, fallback.ratios, fallback.seed)) result.set(id, split);
  return result;
}

/** Runs the layout's operations: the bulk several at once, then the final ones in order. */
async function carryOut(outDir: string, layout: ExportLayout, opts: ExportOptions): Promise<void> {
  const total = layout.ops.length + layout.finalOps.length;
  let done = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!opts.onProgress || (!force && now - lastReport < PROGRESS_MS)) return;
    lastReport = now;
    opts.onProgress(done, total);
  };
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true });
    made.add(dir);
  };
  const run = async (op: ExportOp) => {
    const target = insideOutDir(outDir, op.to);
    if (op.kind === 'dir') {
      await ensureDir(target);
    } else if (op.kind === 'copy') {
      await ensureDir(path.dirname(target));
      try {
        if (opts.media !== 'link' || !(await linkFile(op.from, target))) {
          // A copy-on-write clone where the file system has them, a plain copy elsewhere.
          await fsp.copyFile(op.from, target, fs.constants.COPYFILE_FICLONE);
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT' && !fs.existsSync(op.from)) {
          throw new StudioError('not_found', `The project's copy of an image is missing (${op.from}); the export stopped. Re-import the image, then export again.`, { cause: err });
        }
        throw err;
      }
    } else if (op.durable) {
      await writeAtomic(target, op.content);
    } else {
      await ensureDir(path.dirname(target));
      await fsp.writeFile(target, op.content);
    }
    done++;
    report();
  };

  report(true);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < layout.ops.length && !failed) {
      try {
        throwIfCancelled(opts.signal);
        await run(layout.ops[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // Every worker stops before this returns, so no write lands after a cancelled export's cleanup.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(WRITES_AT_ONCE, layout.ops.length) }, worker));
  const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  for (const op of layout.finalOps) {
    throwIfCancelled(opts.signal);
    await run(op);
  }
  report(true);
}

/** Hard-links `from` at `to` (replacing a file there); false where links cannot be made. */
async function linkFile(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(from, to);
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'EEXIST') {
      await fsp.rm(to, { force: true });
      return linkFile(from, to);
    }
    if (code === 'ENOENT') throw err;
    // EXDEV (another device), EPERM/ENOTSUP/EMLINK (no links here): copy instead.
    return false;
  }
}

async function readManifest(outDir: string): Promise<string[]> {
  try {
    const data = JSON.parse(await fsp.readFile(path.join(outDir, EXPORT_MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(data.files) ? data.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

async function writeManifest(outDir: string, format: ExportFormat, files: string[]): Promise<void> {
  const body = { writtenBy: 'Reticle Studio', format, files };
  await writeAtomic(path.join(outDir, EXPORT_MANIFEST), `${JSON.stringify(body, null, 1)}\n`);
}

/** Removes what the previous export wrote and this one did not, then the folders left empty. */
async function removeStale(outDir: string, previous: readonly string[], keep: ReadonlySet<string>): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of previous) {
    if (keep.has(rel)) continue;
    let target: string;
    try {
      target = insideOutDir(outDir, rel);
    } catch {
      continue; // A hand-edited manifest names nothing outside the folder.
    }
    await fsp.rm(target, { force: true }).catch(() => undefined);
    for (let d = path.dirname(target); d !== outDir && d.startsWith(outDir); d = path.dirname(d)) dirs.add(d);
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    await fsp.rmdir(dir).catch(() => undefined); // only succeeds when empty
  }
}
