/**
 * Which images an evaluation runs on. By default the images of a split of the run's own frozen
 * dataset (`runs/<id>/dataset/`, written when the run was queued), so a run is scored on the
 * images it did not train on even if the project's split moved since; a run without a snapshot
 * falls back to the project's split; or the images a user chose.
 *
 * The snapshot's files are the project's media files hard-linked under export names: a file is
 * known by its inode (or, where the snapshot had to copy across devices, by its SHA-256).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError, type RunDetail, type Split } from '@shared';
import type { OpenProject } from '../project/project-session.js';

export interface ChosenImages {
  imageIds: number[];
  split: Split | null;
  source: 'run' | 'project' | 'chosen';
}

export interface ImageChoice {
  split?: Split;
  imageIds?: number[];
}

/** Stats at once: enough to keep the disk busy without holding thousands of handles. */
const STAT_BATCH = 256;

async function filesIn(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await filesIn(p, depth - 1)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The snapshot's files of a split: images/<split>/ (YOLO) or <split>/<class>/ (class folders). */
function splitFiles(datasetDir: string, task: 'detect' | 'classify', split: Split): Promise<string[]> {
  return task === 'detect' ? filesIn(path.join(datasetDir, 'images', split), 0) : filesIn(path.join(datasetDir, split), 1);
}

async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += STAT_BATCH) out.push(...(await Promise.all(items.slice(i, i + STAT_BATCH).map(fn))));
  return out;
}

const inodeKey = (s: { dev: number; ino: number }) => `${s.dev}:${s.ino}`;

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** The project's image ids of snapshot files, in the files' order, each once; files of images since removed are left out. */
async function imagesOfFiles(project: OpenProject, files: readonly string[]): Promise<number[]> {
  const fileStats = await inBatches(files, (f) => fsp.stat(f).catch(() => null));
  const byInode = new Map<string, number>();
  const stored = project.store.images.listStored();
  const mediaStats = await inBatches(stored, (s) => fsp.stat(project.media.mediaPath(s.hash, s.ext)).catch(() => null));
  mediaStats.forEach((st, i) => st && byInode.set(inodeKey(st), stored[i].id));
  const ids: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < files.length; i++) {
    const st = fileStats[i];
    let id = st ? byInode.get(inodeKey(st)) : undefined;
    if (id === undefined && st) id = project.store.images.byHash(await sha256(files[i]))?.id;
    if (id !== undefined && !seen.has(id)) {
      seen.add(id);
      ids.push(id);
    }
  }
  return ids;
}

function projectSplitImages(project: OpenProject, split: Split): number[] {
  const ids: number[] = [];
  for (const image of project.store.images.iterate()) {
    if (image.split === split && (image.annotationCount > 0 || image.status === 'done')) ids.push(image.id);
  }
  return ids;
}

/**
 * The images to evaluate a run on.
 * @throws StudioError `invalid_input` when the split holds no image (saying which splits do)
 */
export async function chooseImages(project: OpenProject, run: RunDetail, choice: ImageChoice): Promise<ChosenImages> {
  if (choice.imageIds) {
    for (const id of choice.imageIds) if (!project.store.images.stored(id)) throw new StudioError('not_found', `There is no image with id ${id} in this project.`);
    return { imageIds: [...new Set(choice.imageIds)], split: null, source: 'chosen' };
  }
  const dataset = run.dataset && (await fsp.stat(run.dataset.dir).catch(() => null))?.isDirectory() ? run.dataset : null;
  const task = project.info.task;
  const pick = async (split: Split) => (dataset ? imagesOfFiles(project, await splitFiles(dataset.dir, task, split)) : projectSplitImages(project, split));
  let split = choice.split ?? 'test';
  let imageIds = await pick(split);
  if (imageIds.length === 0 && !choice.split) {
    split = 'val';
    imageIds = await pick(split);
  }
  if (imageIds.length === 0) {
    const where = dataset ? `Run "${run.name}" was trained with` : 'The project has';
    const counts = dataset ? dataset.perSplit : null;
    const detail = counts ? ` (train ${counts.train ?? 0}, val ${counts.val ?? 0}, test ${counts.test ?? 0})` : '';
    throw new StudioError('invalid_input', `${where} no labeled ${choice.split ? split : 'test or val'} images to evaluate on${detail}. Choose another split, or images.`);
  }
  return { imageIds, split, source: dataset ? 'run' : 'project' };
}
