/**
 * Ultralytics YOLO datasets, in every layout Ultralytics itself trains on: a data YAML whose
 * train/val/test name folders of images or `.txt` lists of them, or a bare folder with
 * `images/` and `labels/`. Labels are found the way Ultralytics finds them (`img2label_paths`):
 * the last `/images/` of the image's path becomes `/labels/` and its extension `.txt`.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ImportFailure, Split } from '@shared';
import { isImagePath } from '../../media/image-files.js';
import type { ImportPlan, PlannedImage, PlannedLabel } from '../plan.js';
import { byName, errorText, isDir, kindOf, listDir, mapLimit, readText, shownPath, splitOfFolder, throwIfAborted, walkFiles } from './scan.js';

/** Ultralytics accepts coordinates up to 1% outside the image; the pipeline clamps them. */
const SLACK = 0.01;
const LABEL_READS_AT_ONCE = 16;
const SPLIT_KEYS: readonly Split[] = ['train', 'val', 'test'];
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/**
 * More classes than any detection dataset has (LVIS has 1,203). A larger count or index is a
 * typo or a broken file, and would otherwise make a name, and a class, for every index below it.
 */
const MAX_CLASSES = 10_000;

interface RawBox {
  cls: number;
  x: number;
  y: number;
  w: number;
  h: number;
  line: number;
}

interface Found {
  path: string;
  split?: Split;
}

/** What a data YAML says, once read. `names` is null when it names no classes. */
interface DataYaml {
  file: string;
  names: string[] | null;
  roots: string[];
  splits: { split: Split; entries: string[] }[];
}

/**
 * Plans the import of a YOLO detection dataset.
 *
 * @param pathToDirOrYaml a data YAML, or the dataset's folder (which may hold one)
 * @param signal stops the scan (throws StudioError `cancelled`)
 * @returns images with their boxes (normalized, top-left), and one failure per bad label line
 */
export async function planYolo(pathToDirOrYaml: string, signal?: AbortSignal): Promise<ImportPlan> {
  const failures: ImportFailure[] = [];
  const target = path.resolve(pathToDirOrYaml);
  const empty = (): ImportPlan => ({ format: 'yolo', classNames: [], images: [], failures, skipped: 0 });
  const kind = await kindOf(target);

  let yamlFile: string | null = null;
  let root: string;
  if (kind === 'missing') {
    failures.push({ path: pathToDirOrYaml, reason: 'not found' });
    return empty();
  } else if (kind === 'file') {
    if (!isYamlPath(target)) {
      failures.push({ path: pathToDirOrYaml, reason: 'not a YOLO dataset: choose its folder or its data .yaml file' });
      return empty();
    }
    yamlFile = target;
    root = path.dirname(target);
  } else {
    root = target;
    yamlFile = await findDataYaml(target);
  }

  let names: string[] | null = null;
  let found: Found[];
  let skipped = 0;
  if (yamlFile) {
    const data = await readDataYaml(yamlFile, failures);
    if (!data) return empty();
    names = data.names;
    root = data.roots[0];
    if (data.splits.length > 0) {
      const listed = await listSplits(data, failures, signal);
      found = listed.found;
      skipped = listed.skipped;
    } else {
      // A YAML that only names the classes, beside an images/ + labels/ folder.
      const scanned = await scanLayout(root, failures, signal);
      found = scanned.found;
      skipped = scanned.skipped;
    }
  } else {
    const scanned = await scanLayout(root, failures, signal);
    found = scanned.found;
    skipped = scanned.skipped;
  }

  const labels = await mapLimit(found, LABEL_READS_AT_ONCE, (image) => readLabelFile(labelPathFor(image.path), root), signal);

  if (!names) names = (await readClassesTxt(root, failures)) ?? placeholderNames(labels);
  const unique = uniqueNames(names, yamlFile ? path.basename(yamlFile) : 'classes.txt', failures);

  // Failures are added here, in file and line order, rather than as the reads finish.
  const images: PlannedImage[] = found.map((image, i) => {
    const read = labels[i];
    if (read && 'error' in read) failures.push({ path: read.shown, reason: read.error });
    if (!read || 'error' in read) return { path: image.path, split: image.split, labels: [], labeled: false };
    const planned: PlannedLabel[] = [];
    for (const box of read.lines) {
      if ('reason' in box) {
        failures.push({ path: `${read.shown}:${box.line}`, reason: box.reason });
      } else if (box.cls >= names.length) {
        failures.push({
          path: `${read.shown}:${box.line}`,
          reason: `class ${box.cls} is out of range: the dataset names ${names.length} classes${names.length ? ` (0–${names.length - 1})` : ''}`,
        });
      } else {
        planned.push({ kind: 'box', className: unique.byIndex[box.cls], x: box.x, y: box.y, w: box.w, h: box.h, normalized: true });
      }
    }
    return { path: image.path, split: image.split, labels: planned, labeled: true, labelSource: read.shown };
  });

  return { format: 'yolo', classNames: unique.names, images, failures, skipped };
}

/** Ultralytics' `img2label_paths`: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function labelPathFor(imagePath: string): string {
  const sa = `${path.sep}images${path.sep}`;
  const at = imagePath.lastIndexOf(sa);
  const swapped = at < 0 ? imagePath : `${imagePath.slice(0, at)}${path.sep}labels${path.sep}${imagePath.slice(at + sa.length)}`;
  const dot = swapped.lastIndexOf('.');
  return `${dot > swapped.lastIndexOf(path.sep) ? swapped.slice(0, dot) : swapped}.txt`;
}

/** Whether a path names a YAML file (`.yaml` or `.yml`). */
export function isYamlPath(p: string): boolean {
  return /\.ya?ml$/i.test(p);
}

/**
 * The data YAML of a dataset folder: `data.yaml` when present, else the one YAML at the top that
 * names classes or splits (preferring one named after the folder, as Ultralytics does).
 */
export async function findDataYaml(dir: string): Promise<string | null> {
  const yamls = (await listDir(dir)).filter((e) => e.kind === 'file' && isYamlPath(e.name));
  const preferred = yamls.find((e) => /^data\.ya?ml$/i.test(e.name));
  if (preferred) return preferred.path;
  const candidates: string[] = [];
  for (const y of yamls) {
    const data = await tryParseYaml(y.path);
    if (isRecord(data) && ['names', 'nc', 'train', 'val'].some((k) => k in data)) candidates.push(y.path);
  }
  const stem = path.basename(dir).toLowerCase();
  return candidates.find((c) => path.basename(c).replace(/\.ya?ml$/i, '').toLowerCase() === stem) ?? candidates[0] ?? null;
}

async function tryParseYaml(file: string): Promise<unknown> {
  try {
    return parseYaml(await readText(file));
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readDataYaml(file: string, failures: ImportFailure[]): Promise<DataYaml | null> {
  const yamlDir = path.dirname(file);
  const shown = path.basename(file);
  let data: unknown;
  try {
    data = parseYaml(await readText(file));
  } catch (err) {
    failures.push({ path: shown, reason: `cannot read the dataset YAML: ${errorText(err).split('\n')[0]}` });
    return null;
  }
  if (!isRecord(data)) {
    failures.push({ path: shown, reason: 'the dataset YAML holds no keys (expected train, val, names…)' });
    return null;
  }

  // Ultralytics resolves a relative `path` against the working directory, then its DATASETS_DIR
  // setting; neither means anything for a folder a person picked, so here it is relative to the
  // YAML's folder. A `path` that does not exist (a YAML written on another machine) falls back
  // to the YAML's folder.
  const roots: string[] = [];
  if (typeof data.path === 'string' && data.path.trim()) {
    const declared = path.resolve(yamlDir, data.path.trim());
    if (await isDir(declared)) roots.push(declared);
  }
  if (!roots.includes(yamlDir)) roots.push(yamlDir);

  const splits: DataYaml['splits'] = [];
  for (const split of SPLIT_KEYS) {
    // Ultralytics renames a `validation` key to `val`.
    const value = split === 'val' ? (data.val ?? data.validation) : data[split];
    if (value === undefined || value === null || value === '') continue;
    const list = Array.isArray(value) ? value : [value];
    const entries = list.filter((e): e is string => typeof e === 'string' && e.trim() !== '').map((e) => e.trim());
    if (entries.length !== list.length) failures.push({ path: shown, reason: `${split}: expected a folder or a list of folders` });
    if (entries.length > 0) splits.push({ split, entries });
  }

  return { file, names: readNames(data, shown, failures), roots, splits };
}

/** `names` as a list or a `{0: name}` mapping; `nc` alone gives Ultralytics' `class_N` names. */
function readNames(data: Record<string, unknown>, shown: string, failures: ImportFailure[]): string[] | null {
  const raw = data.names;
  const nc = typeof data.nc === 'number' && Number.isInteger(data.nc) && data.nc >= 0 && data.nc <= MAX_CLASSES ? data.nc : null;
  if (data.nc !== undefined && nc === null) failures.push({ path: shown, reason: `nc: ${JSON.stringify(data.nc)} is not a class count (0 to ${MAX_CLASSES})` });

  let names: string[] | null = null;
  if (Array.isArray(raw)) {
    names = raw.map((v, i) => nameText(v, i, shown, failures));
  } else if (isRecord(raw)) {
    const byIndex = new Map<number, string>();
    for (const [key, value] of Object.entries(raw)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || index >= MAX_CLASSES) {
        failures.push({ path: shown, reason: `names: "${key}" is not a class index (0, 1, 2… up to ${MAX_CLASSES - 1})` });
        continue;
      }
      byIndex.set(index, nameText(value, index, shown, failures));
    }
    const count = byIndex.size ? Math.max(...byIndex.keys()) + 1 : 0;
    names = [];
    for (let i = 0; i < count; i++) {
      const name = byIndex.get(i);
      if (name === undefined) failures.push({ path: shown, reason: `names: class ${i} has no name; it is called class_${i}` });
      names.push(name ?? `class_${i}`);
    }
  } else if (raw !== undefined && raw !== null) {
    failures.push({ path: shown, reason: 'names: expected a list of class names or a {0: name} mapping' });
  }

  if (names && nc !== null && nc !== names.length) {
    failures.push({ path: shown, reason: `names lists ${names.length} classes but nc says ${nc}; the names are used` });
  }
  if (!names && nc !== null) names = Array.from({ length: nc }, (_, i) => `class_${i}`);
  return names;
}

function nameText(value: unknown, index: number, shown: string, failures: ImportFailure[]): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  failures.push({ path: shown, reason: `names: class ${index} has no usable name; it is called class_${index}` });
  return `class_${index}`;
}

/**
 * Class names as the project can hold them (trimmed, one line, at most 100 characters), with
 * repeats merged: two indices that share a name become one class.
 */
function uniqueNames(all: readonly string[], shown: string, failures: ImportFailure[]): { names: string[]; byIndex: string[] } {
  const names = all.slice(0, MAX_CLASSES);
  if (all.length > MAX_CLASSES) failures.push({ path: shown, reason: `${all.length} class names; the first ${MAX_CLASSES} are used` });
  const unique: string[] = [];
  const seen = new Set<string>();
  const byIndex = names.map((raw, i) => {
    let name = raw.replace(/[\r\n\t]+/g, ' ').trim();
    if (!name) {
      failures.push({ path: shown, reason: `class ${i} has an empty name; it is called class_${i}` });
      name = `class_${i}`;
    }
    if (name.length > 100) name = name.slice(0, 100).trim();
    if (seen.has(name)) failures.push({ path: shown, reason: `class name "${name}" appears twice (class ${i}); both become one class` });
    else {
      seen.add(name);
      unique.push(name);
    }
    return name;
  });
  return { names: unique, byIndex };
}

/** Images listed by the YAML's splits, each once (train before val before test). */
async function listSplits(data: DataYaml, failures: ImportFailure[], signal?: AbortSignal): Promise<{ found: Found[]; skipped: number }> {
  const root = data.roots[0];
  const seen = new Map<string, Found>();
  const visited = new Set<string>();
  let skipped = 0;
  const add = (file: string, split: Split) => {
    if (!seen.has(file)) seen.set(file, { path: file, split });
  };

  for (const { split, entries } of data.splits) {
    for (const entry of entries) {
      throwIfAborted(signal);
      const resolved = await resolveEntry(data.roots, entry);
      if (!resolved) {
        failures.push({ path: path.basename(data.file), reason: `${split}: ${entry} not found` });
        continue;
      }
      if (resolved.kind === 'dir') {
        // Ultralytics globs split folders recursively; dot files are not globbed.
        for (const file of await walkFiles(resolved.path, signal, visited)) {
          if (isImagePath(file)) add(file, split);
          else if (!file.toLowerCase().endsWith('.txt') && !file.toLowerCase().endsWith('.cache')) skipped++;
        }
      } else if (isImagePath(resolved.path)) {
        add(resolved.path, split);
      } else {
        const listed = await readImageList(resolved.path, root, failures);
        skipped += listed.skipped;
        for (const file of listed.images) add(file, split);
      }
    }
  }
  return { found: [...seen.values()], skipped };
}

/** A split entry against the dataset roots, with Ultralytics' `../` leniency for Roboflow YAMLs. */
async function resolveEntry(roots: readonly string[], entry: string): Promise<{ path: string; kind: 'file' | 'dir' } | null> {
  for (const root of roots) {
    const tries = [path.resolve(root, entry)];
    // Roboflow writes `train: ../train/images` into a YAML that sits in the dataset's folder.
    if (entry.startsWith('../')) tries.push(path.resolve(root, entry.slice(3)));
    for (const candidate of tries) {
      const kind = await kindOf(candidate);
      if (kind === 'file' || kind === 'dir') return { path: candidate, kind };
    }
  }
  return null;
}

/**
 * A `.txt` list of image paths, one per line. `./` lines are relative to the list's folder (as
 * Ultralytics reads them); other relative lines to the dataset root, then the list's folder.
 */
async function readImageList(listFile: string, root: string, failures: ImportFailure[]): Promise<{ images: string[]; skipped: number }> {
  const shown = shownPath(root, listFile);
  let text: string;
  try {
    text = await readText(listFile);
  } catch (err) {
    failures.push({ path: shown, reason: `cannot read the image list: ${errorText(err)}` });
    return { images: [], skipped: 0 };
  }
  const listDirPath = path.dirname(listFile);
  const images: string[] = [];
  let skipped = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    if (!isImagePath(line)) {
      skipped++;
      continue;
    }
    const candidates = line.startsWith('./')
      ? [path.resolve(listDirPath, line)]
      : path.isAbsolute(line)
        ? [line]
        : [path.resolve(root, line), path.resolve(listDirPath, line)];
    let hit: string | null = null;
    for (const c of candidates) {
      if ((await kindOf(c)) === 'file') {
        hit = c;
        break;
      }
    }
    if (hit) images.push(hit);
    else failures.push({ path: `${shown}:${i + 1}`, reason: `image ${line} not found` });
  }
  return { images, skipped };
}

/**
 * A dataset folder without a YAML: `images/` (optionally `images/train`, `images/val`…), or
 * Roboflow's `train/images`, `valid/images`…; labels beside them in `labels/`.
 */
async function scanLayout(dir: string, failures: ImportFailure[], signal?: AbortSignal): Promise<{ found: Found[]; skipped: number }> {
  const found: Found[] = [];
  const visited = new Set<string>();
  let skipped = 0;
  const collect = async (imagesDir: string, splitOf: (file: string) => Split | undefined) => {
    for (const file of await walkFiles(imagesDir, signal, visited)) {
      if (isImagePath(file)) found.push({ path: file, split: splitOf(file) });
      else skipped++;
    }
  };

  const imagesDir = path.join(dir, 'images');
  if (await isDir(imagesDir)) {
    await collect(imagesDir, (file) => splitOfFolder(path.relative(imagesDir, file).split(path.sep)[0]));
    return { found, skipped };
  }
  const splitDirs = (await listDir(dir)).filter((e) => e.kind === 'dir' && splitOfFolder(e.name));
  const order = (name: string) => SPLIT_KEYS.indexOf(splitOfFolder(name)!);
  splitDirs.sort((a, b) => order(a.name) - order(b.name) || byName(a.name, b.name));
  for (const entry of splitDirs) {
    const inner = path.join(entry.path, 'images');
    if (await isDir(inner)) await collect(inner, () => splitOfFolder(entry.name));
  }
  if (found.length === 0 && splitDirs.length === 0) {
    failures.push({ path: dir, reason: 'not a YOLO dataset: no data.yaml and no images/ folder' });
  }
  return { found, skipped };
}

/** `classes.txt` (one name a line) in the dataset folder or in `labels/`. */
async function readClassesTxt(root: string, failures: ImportFailure[]): Promise<string[] | null> {
  for (const file of [path.join(root, 'classes.txt'), path.join(root, 'labels', 'classes.txt')]) {
    if ((await kindOf(file)) !== 'file') continue;
    try {
      return (await readText(file)).replace(/\s+$/, '').split(/\r?\n/).map((l) => l.trim());
    } catch (err) {
      failures.push({ path: shownPath(root, file), reason: `cannot read the class names: ${errorText(err)}` });
    }
  }
  return null;
}

/** With no names anywhere: class0, class1… up to the highest index the labels use. */
function placeholderNames(labels: readonly (LabelFile | null)[]): string[] {
  let max = -1;
  for (const file of labels) {
    if (!file || 'error' in file) continue;
    for (const line of file.lines) if (!('reason' in line)) max = Math.max(max, line.cls);
  }
  return Array.from({ length: max + 1 }, (_, i) => `class${i}`);
}

/** A label file's lines: a box, or why the line is not one. */
type LabelFile = { shown: string; lines: (RawBox | { line: number; reason: string })[] } | { shown: string; error: string };

/** Reads one label file; null when the image has none. */
async function readLabelFile(file: string, root: string): Promise<LabelFile | null> {
  const shown = shownPath(root, file);
  let text: string;
  try {
    text = await readText(file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    return { shown, error: `cannot read the label file: ${errorText(err)}` };
  }
  const lines: Extract<LabelFile, { lines: unknown }>['lines'] = [];
  const texts = text.split(/\r?\n/);
  for (let i = 0; i < texts.length; i++) {
    const tokens = texts[i].trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const parsed = parseLabelLine(tokens);
    lines.push(typeof parsed === 'string' ? { line: i + 1, reason: parsed } : { ...parsed, line: i + 1 });
  }
  return { shown, lines };
}

/**
 * One label line: `cls cx cy w h` (a box, centre and size) or `cls x1 y1 x2 y2 x3 y3 …` (a
 * polygon, which becomes its bounding box, as Ultralytics trains detection on it). Returns the
 * box as top-left and size, or why the line is wrong.
 */
export function parseLabelLine(tokens: readonly string[]): Omit<RawBox, 'line'> | string {
  const n = tokens.length;
  const isBox = n === 5;
  const isPolygon = n >= 7 && (n - 1) % 2 === 0;
  if (!isBox && !isPolygon) {
    return `expected 5 values "class cx cy w h" or a polygon "class x1 y1 x2 y2 x3 y3 …", found ${n} value${n === 1 ? '' : 's'}`;
  }
  const values: number[] = [];
  for (const token of tokens) {
    const v = toNumber(token);
    if (typeof v === 'string') return v;
    values.push(v);
  }
  const cls = values[0];
  if (!Number.isInteger(cls) || cls < 0) return `class "${tokens[0]}" is not a class index (a whole number from 0)`;
  if (cls >= MAX_CLASSES) return `class ${tokens[0]} is out of range: a dataset has at most ${MAX_CLASSES} classes`;
  const outside = values.slice(1).findIndex((v) => v < -SLACK || v > 1 + SLACK);

  if (isBox) {
    const [, cx, cy, w, h] = values;
    if (!(w > 0) || !(h > 0)) return `the box has no size (w ${tokens[3]}, h ${tokens[4]})`;
    if (outside >= 0) return `coordinate ${tokens[outside + 1]} is outside 0–1: YOLO labels are fractions of the image size`;
    return { cls, x: cx - w / 2, y: cy - h / 2, w, h };
  }
  if (outside >= 0) return `coordinate ${tokens[outside + 1]} is outside 0–1: YOLO labels are fractions of the image size`;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 1; i < n; i += 2) {
    x0 = Math.min(x0, values[i]);
    x1 = Math.max(x1, values[i]);
    y0 = Math.min(y0, values[i + 1]);
    y1 = Math.max(y1, values[i + 1]);
  }
  if (!(x1 - x0 > 0) || !(y1 - y0 > 0)) return 'the polygon has no area';
  return { cls, x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function toNumber(token: string): number | string {
  if (/^[+-]?(?:nan|inf(?:inity)?)$/i.test(token)) return `"${token}" is not a finite number`;
  if (!NUMBER.test(token)) return `"${token}" is not a number`;
  const v = Number(token);
  return Number.isFinite(v) ? v : `"${token}" is not a finite number`;
}
