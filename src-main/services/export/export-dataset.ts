/**
 * Writes a project's labeled images out as a dataset other tools train on: YOLO or COCO for
 * detection, class folders for classification. The project is only read; splits chosen here are
 * not written back.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { StudioError, type ExportFormat, type ExportReport, type ExportStartInput, type Split, type TaskType } from '@shared';
import type { ProjectStore } from '../store/project-store.js';
import type { MediaStore } from '../media/media-store.js';
import type { ExportLayout, LayoutInput } from './layout.js';
import { yoloLayout } from './yolo.js';
import { cocoLayout } from './coco.js';
import { foldersLayout } from './folders.js';
import { collectExportItems } from './export-items.js';
import { checkOutDir, refuseInsideProject } from './output-folder.js';
import { readManifest, removeStale, writeManifest } from './export-manifest.js';
import { throwIfCancelled, writeLayout, type WriteOptions } from './write-layout.js';

type ExportRequest = z.output<typeof ExportStartInput>;

interface ExportOptions extends WriteOptions {
  /**
   * Allow an output folder inside the project's `runs/` folder (a training run's dataset
   * snapshot). Anywhere else inside the project is still refused.
   */
  allowInsideRuns?: boolean;
}

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

  const { items, skippedUnlabeled } = collectExportItems(store, media, task, request);
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
    await writeLayout(outDir, layout, opts);
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
