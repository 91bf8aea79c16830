/**
 * COCO detection datasets: one JSON per split (`instances_train2017.json`…) listing images,
 * categories and pixel boxes. The image files are looked for where COCO exports and tools put
 * them, beside the JSON, in `images/`, or in a folder named after the split.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ImportFailure, Split } from '@shared';
import type { ImportPlan, PlannedImage } from '../plan.js';
import { openRegularFile, regularFileOrThrow } from '../../media/regular-files.js';
import { MAX_COCO_JSON_BYTES } from '../limits.js';
import { NOT_FILE_OR_FOLDER, byName, errorText, kindOf, listDir, mapLimit, readText, shownPath, throwIfAborted } from './scan.js';

/** Files up to this size are parsed to tell whether they are COCO; larger ones are sniffed. */
const PARSE_TO_DETECT_BYTES = 32 * 1024 ** 2;
const SNIFF_BYTES = 1024 ** 2;
const LOOKUPS_AT_ONCE = 16;
const SPLIT_ORDER: readonly (Split | undefined)[] = ['train', 'val', 'test', undefined];

type Json = Record<string, unknown>;

interface CocoFile {
  file: string;
  data: Json;
}

/**
 * Plans the import of a COCO dataset.
 *
 * @param pathToJsonOrDir a COCO JSON file, or a folder holding them (directly or in `annotations/`)
 * @param signal stops the work (throws StudioError `cancelled`)
 * @returns images with pixel boxes; one failure per bad annotation, missing image or unreadable file
 */
export async function planCoco(pathToJsonOrDir: string, signal?: AbortSignal): Promise<ImportPlan> {
  const failures: ImportFailure[] = [];
  const target = path.resolve(pathToJsonOrDir);
  const plan: ImportPlan = { format: 'coco', classNames: [], images: [], failures, skipped: 0, roots: [target] };
  const kind = await kindOf(target);

  let root: string;
  let files: CocoFile[];
  if (kind === 'missing' || kind === 'other') {
    failures.push({ path: pathToJsonOrDir, reason: kind === 'missing' ? 'not found' : NOT_FILE_OR_FOLDER });
    return plan;
  } else if (kind === 'file') {
    root = datasetRootOf(path.dirname(target));
    const data = await readJson(target, root, failures);
    if (!data) return plan;
    if (!isCocoShape(data)) {
      failures.push({ path: shownPath(root, target), reason: 'not a COCO annotation file: it has no "images" and "annotations" lists' });
      return plan;
    }
    files = [{ file: target, data }];
  } else {
    root = target;
    files = await readCocoFolder(target, failures, signal);
    if (files.length === 0 && failures.length === 0) {
      failures.push({ path: pathToJsonOrDir, reason: 'no COCO annotation file (.json with "images" and "annotations") here or in annotations/' });
    }
  }

  plan.roots = [root];
  const byPath = new Map<string, PlannedImage>();
  for (const f of files) {
    throwIfAborted(signal);
    await readCocoFile(f, root, plan, byPath, failures, signal);
  }
  plan.images = [...byPath.values()];
  return plan;
}

/**
 * Whether a file is a COCO annotation file. Small files are parsed; a large one (a 450 MB
 * `instances_train2017.json`) is judged by the keys at its start and end. A file that does not
 * parse but reads like COCO (Python's `json.dump` writes NaN, which JSON has not) counts too, so
 * that the import reports it instead of taking the folder for plain images.
 */
export async function looksLikeCocoFile(file: string): Promise<boolean> {
  let handle: fsp.FileHandle | undefined;
  try {
    const stat = await regularFileOrThrow(file, 'it');
    if (stat.size <= PARSE_TO_DETECT_BYTES) {
      const text = await readText(file, PARSE_TO_DETECT_BYTES);
      try {
        return isCocoShape(JSON.parse(text) as unknown);
      } catch {
        return readsLikeCoco(text, text);
      }
    }
    ({ handle } = await openRegularFile(file, 'it'));
    const head = Buffer.alloc(SNIFF_BYTES);
    const tail = Buffer.alloc(SNIFF_BYTES);
    await handle.read(head, 0, SNIFF_BYTES, 0);
    await handle.read(tail, 0, SNIFF_BYTES, stat.size - SNIFF_BYTES);
    const start = head.toString('utf8');
    return readsLikeCoco(start, start + tail.toString('utf8'));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** An object whose start lists "images" and that lists "annotations" or "categories" too. */
function readsLikeCoco(start: string, all: string): boolean {
  return /^\s*\{/.test(start.replace(/^\uFEFF/, '')) && /"images"\s*:\s*\[/.test(start) && /"(annotations|categories)"\s*:\s*\[/.test(all);
}

/** The `.json` files in a folder and its `annotations/`, the places COCO datasets keep them. */
export async function cocoCandidates(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const where of [dir, path.join(dir, 'annotations')]) {
    for (const e of await listDir(where)) if (e.kind === 'file' && /\.json$/i.test(e.name)) out.push(e.path);
  }
  return out;
}

/** The split a file's name gives: `instances_train2017.json` → train, `*val*` → val, `*test*` → test. */
export function splitFromFileName(file: string): Split | undefined {
  const name = path.basename(file).toLowerCase();
  if (name.includes('train')) return 'train';
  if (name.includes('val')) return 'val';
  if (name.includes('test')) return 'test';
  return undefined;
}

function isCocoShape(data: unknown): data is Json {
  return typeof data === 'object' && data !== null && Array.isArray((data as Json).images) && Array.isArray((data as Json).annotations);
}

/** A JSON inside `annotations/` belongs to the folder above it. */
function datasetRootOf(jsonDir: string): string {
  return path.basename(jsonDir).toLowerCase() === 'annotations' ? path.dirname(jsonDir) : jsonDir;
}

async function readJson(file: string, root: string, failures: ImportFailure[]): Promise<unknown> {
  try {
    return JSON.parse(await readText(file, MAX_COCO_JSON_BYTES)) as unknown;
  } catch (err) {
    const what = err instanceof SyntaxError ? 'not valid JSON' : 'cannot be read';
    // The usual cause of a COCO file that does not parse, named so that it can be fixed.
    const hint = err instanceof SyntaxError && /\b(NaN|Infinity)\b/.test(err.message) ? " (NaN and Infinity are not JSON; Python's json.dump writes them for float('nan') and float('inf'))" : '';
    failures.push({ path: shownPath(root, file), reason: `${what}: ${errorText(err)}${hint}` });
    return undefined;
  }
}

async function readCocoFolder(dir: string, failures: ImportFailure[], signal?: AbortSignal): Promise<CocoFile[]> {
  const found: CocoFile[] = [];
  for (const file of await cocoCandidates(dir)) {
    throwIfAborted(signal);
    const data = await readJson(file, dir, failures);
    // Captions files list images and annotations too, but no categories and no boxes.
    if (isCocoShape(data) && Array.isArray(data.categories)) found.push({ file, data });
  }
  // COCO's own folder has person_keypoints_* beside instances_*: the same person boxes twice.
  const instances = found.filter((f) => path.basename(f.file).toLowerCase().startsWith('instances'));
  const chosen = instances.length > 0 ? instances : found;
  const rank = (f: CocoFile) => SPLIT_ORDER.indexOf(splitFromFileName(f.file));
  return chosen.sort((a, b) => rank(a) - rank(b) || byName(path.basename(a.file), path.basename(b.file)));
}

/** Ids may be numbers or strings; both index the same way. */
function idKey(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v !== '') return v;
  return null;
}

async function readCocoFile(
  coco: CocoFile,
  root: string,
  plan: ImportPlan,
  byPath: Map<string, PlannedImage>,
  failures: ImportFailure[],
  signal?: AbortSignal,
): Promise<void> {
  const { file, data } = coco;
  const shown = shownPath(root, file);
  const split = splitFromFileName(file);

  const categories = new Map<string, string>();
  const rawCategories = Array.isArray(data.categories) ? (data.categories as unknown[]) : [];
  if (!Array.isArray(data.categories)) failures.push({ path: shown, reason: 'no "categories" list: its boxes have no classes' });
  const sorted = rawCategories
    .map((c, i) => ({ c: c as Json, i }))
    .filter(({ c, i }) => {
      const ok = typeof c === 'object' && c !== null && typeof c.id === 'number' && Number.isFinite(c.id);
      if (!ok) failures.push({ path: `${shown}#categories[${i}]`, reason: 'a category needs a numeric "id"' });
      return ok;
    })
    .sort((a, b) => (a.c.id as number) - (b.c.id as number) || a.i - b.i);
  for (const { c, i } of sorted) {
    const key = String(c.id);
    if (categories.has(key)) {
      failures.push({ path: `${shown}#categories[${i}]`, reason: `category id ${key} appears twice; the first is kept` });
      continue;
    }
    const raw = typeof c.name === 'string' || typeof c.name === 'number' ? String(c.name) : '';
    let name = raw.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 100).trim();
    if (!name) {
      failures.push({ path: `${shown}#categories[${i}]`, reason: `category ${key} has no name; it is called category_${key}` });
      name = `category_${key}`;
    }
    categories.set(key, name);
    if (!plan.classNames.includes(name)) plan.classNames.push(name);
  }

  const locate = imageLocator(path.dirname(file), root, split, file);
  const entries: { id: string; fileName: string; where: string }[] = [];
  /** image id → its planned image; null for images that are missing or planned by an earlier file. */
  const images = new Map<string, PlannedImage | null>();
  (data.images as unknown[]).forEach((raw, i) => {
    const entry = raw as Json;
    const where = `${shown}#images[${i}]`;
    const id = typeof entry === 'object' && entry !== null ? idKey(entry.id) : null;
    if (id === null || typeof entry.file_name !== 'string' || !entry.file_name.trim()) {
      failures.push({ path: where, reason: 'an image needs an "id" and a "file_name"' });
    } else if (images.has(id)) {
      failures.push({ path: where, reason: `image id ${id} appears twice; the first is kept` });
    } else {
      images.set(id, null);
      entries.push({ id, fileName: entry.file_name, where });
    }
  });

  const located = await mapLimit(entries, LOOKUPS_AT_ONCE, (e) => locate(e.fileName), signal);
  const ownPaths = new Set<string>();
  entries.forEach((e, i) => {
    const found = located[i];
    if (!found.path) {
      failures.push({ path: e.where, reason: `image file ${e.fileName} not found (looked in ${found.looked})` });
      return;
    }
    const existing = byPath.get(found.path);
    if (existing) {
      // The same file twice in one JSON merges; a file another JSON imported already stays theirs.
      if (ownPaths.has(found.path)) images.set(e.id, existing);
      return;
    }
    const planned: PlannedImage = { path: found.path, split, labels: [], labeled: true, labelSource: shown };
    byPath.set(found.path, planned);
    ownPaths.add(found.path);
    images.set(e.id, planned);
  });

  (data.annotations as unknown[]).forEach((raw, i) => {
    const a = raw as Json;
    const where = `${shown}#annotations[${i}]`;
    if (typeof a !== 'object' || a === null) {
      failures.push({ path: where, reason: 'an annotation must be an object' });
      return;
    }
    const imageId = idKey(a.image_id);
    if (imageId === null || !images.has(imageId)) {
      failures.push({ path: where, reason: `image_id ${JSON.stringify(a.image_id ?? null)} is not one of the file's images` });
      return;
    }
    const image = images.get(imageId);
    if (!image) return;
    // Crowd regions cover many objects at once; Ultralytics' COCO converter leaves them out too.
    if (a.iscrowd === 1 || a.iscrowd === true) return;
    const className = categories.get(idKey(a.category_id) ?? '');
    if (className === undefined) {
      failures.push({ path: where, reason: `category_id ${JSON.stringify(a.category_id ?? null)} is not one of the file's categories` });
      return;
    }
    const bbox = a.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      failures.push({ path: where, reason: 'bbox must be [x, y, width, height], four numbers in pixels' });
      return;
    }
    const [x, y, w, h] = bbox as number[];
    if (!(w > 0) || !(h > 0)) {
      failures.push({ path: where, reason: `the box has no size (width ${w}, height ${h})` });
      return;
    }
    image.labels.push({ kind: 'box', className, x, y, w, h, normalized: false });
  });
}

/**
 * Finds image files named by `file_name`, trying the usual places in order; the first that
 * holds the file wins. Datasets keep all their images in one place, so the place that held the
 * previous image is tried first: that saves a dozen stats per image on large sets.
 */
function imageLocator(jsonDir: string, root: string, split: Split | undefined, file: string): (fileName: string) => Promise<{ path: string | null; looked: string }> {
  const stem = path.basename(file).replace(/\.json$/i, '').replace(/^instances_/i, '');
  const dirs = [jsonDir, path.join(jsonDir, 'images'), path.join(jsonDir, '..', 'images'), path.join(jsonDir, '..'), root, path.join(root, 'images')];
  for (const sub of [stem, split]) {
    if (sub) dirs.push(path.join(root, 'images', sub), path.join(root, sub));
  }
  const unique = [...new Set(dirs.map((d) => path.resolve(d)))];
  const looked = unique.map((d) => (d === root ? '.' : shownPath(root, d))).join(', ');
  let lastHit = -1;

  return async (fileName: string) => {
    const normalized = fileName.trim().replace(/\\/g, '/');
    const base = path.basename(normalized);
    const tries: string[] = [];
    if (path.isAbsolute(normalized)) tries.push(normalized);
    else for (const dir of unique) tries.push(path.resolve(dir, normalized));
    // A file_name whose folders do not match here (written by another tool, on another
    // machine) is also looked for by its bare name.
    if (base !== normalized) for (const dir of unique) tries.push(path.join(dir, base));
    const order = lastHit >= 0 && lastHit < tries.length ? [lastHit, ...tries.keys()] : [...tries.keys()];
    for (const k of order) {
      // A named pipe or a device is planned too: the import reports it, and never opens it.
      const kind = await kindOf(tries[k]);
      if (kind === 'file' || kind === 'other') {
        lastHit = k;
        return { path: tries[k], looked };
      }
    }
    return { path: null, looked };
  };
}
