/**
 * Guesses what a person dropped: a YOLO dataset, a COCO one, class folders or plain images.
 * Only looks at names and a few small files; the chosen reader does the real reading.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { TaskType } from '@shared';
import { isImagePath } from '../../media/image-files.js';
import { cocoCandidates, looksLikeCocoFile } from './coco.js';
import { splitFoldersOf } from './folders.js';
import { isDir, kindOf, listDir, readText, splitOfFolder } from './scan.js';
import { isYamlPath } from './yolo-data-yaml.js';
import { MAX_LABEL_FILE_BYTES } from '../limits.js';

type DetectedFormat = 'images' | 'yolo' | 'coco' | 'folders';

/**
 * Picks the reader for `paths`. Several paths are always plain images; one path is a YOLO
 * dataset (a YAML, or a folder with a YAML naming classes or with `images/` and `labels/`), a
 * COCO one (a JSON, or a folder holding one), class folders (classification projects only), or
 * else images.
 */
export async function detectFormat(paths: string[], task: TaskType): Promise<DetectedFormat> {
  if (paths.length !== 1) return 'images';
  const target = path.resolve(paths[0]);
  const kind = await kindOf(target);
  if (kind === 'file') {
    if (isYamlPath(target)) return 'yolo';
    if (/\.json$/i.test(target)) return 'coco';
    return 'images';
  }
  if (kind !== 'dir') return 'images';

  if (await looksLikeYolo(target)) return 'yolo';
  for (const file of await cocoCandidates(target)) if (await looksLikeCocoFile(file)) return 'coco';
  if (task === 'classify' && (await looksLikeClassFolders(target))) return 'folders';
  return 'images';
}

async function looksLikeYolo(dir: string): Promise<boolean> {
  const entries = await listDir(dir);
  for (const e of entries) {
    if (e.kind !== 'file' || !isYamlPath(e.name)) continue;
    try {
      const data: unknown = parseYaml(await readText(e.path, MAX_LABEL_FILE_BYTES));
      if (typeof data === 'object' && data !== null && 'names' in data) return true;
    } catch {
      // A YAML that does not parse says nothing about the folder.
    }
  }
  if ((await isDir(path.join(dir, 'images'))) && (await isDir(path.join(dir, 'labels')))) return true;
  // Roboflow's layout: train/images + train/labels, valid/…
  for (const e of entries) {
    if (e.kind === 'dir' && splitOfFolder(e.name)) {
      if ((await isDir(path.join(e.path, 'images'))) && (await isDir(path.join(e.path, 'labels')))) return true;
    }
  }
  return false;
}

/** Subfolders (or `train/<class>` subfolders) that hold images, and no loose images beside them. */
async function looksLikeClassFolders(dir: string): Promise<boolean> {
  const splits = await splitFoldersOf(dir);
  const parents = splits.length > 0 ? splits.map((s) => s.path) : [dir];
  for (const parent of new Set([dir, ...parents])) {
    const entries = await listDir(parent);
    if (entries.some((e) => e.kind === 'file' && isImagePath(e.name))) return false;
  }
  for (const parent of parents) {
    for (const e of await listDir(parent)) {
      if (e.kind === 'dir' && (await holdsImage(e.path, 2))) return true;
    }
  }
  return false;
}

/** Whether a folder holds an image within `depth` levels; bounded so a huge tree stays quick. */
async function holdsImage(dir: string, depth: number): Promise<boolean> {
  const entries = await listDir(dir);
  if (entries.some((e) => e.kind === 'file' && isImagePath(e.name))) return true;
  if (depth <= 0) return false;
  for (const e of entries) if (e.kind === 'dir' && (await holdsImage(e.path, depth - 1))) return true;
  return false;
}
