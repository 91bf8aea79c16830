/**
 * Ultralytics YOLO datasets, in every layout Ultralytics itself trains on: a data YAML whose
 * train/val/test name folders of images or `.txt` lists of them, or a bare folder with
 * `images/` and `labels/`. Labels are found the way Ultralytics finds them (`img2label_paths`):
 * the last `/images/` of the image's path becomes `/labels/` and its extension `.txt`.
 */
import path from 'node:path';
import type { ImportFailure, Split } from '@shared';
import { isImagePath } from '../../media/image-files.js';
import type { ImportPlan, PlannedImage, PlannedLabel } from '../plan.js';
import { NOT_FILE_OR_FOLDER, byName, errorText, isDir, kindOf, listDir, mapLimit, readText, shownPath, splitOfFolder, throwIfAborted, walkFiles } from './scan.js';
import { SPLIT_KEYS, findDataYaml, isYamlPath, readDataYaml, type DataYaml } from './yolo-data-yaml.js';
import { MAX_CLASSES, labelPathFor, placeholderNames, readLabelFile } from './yolo-labels.js';
import { MAX_IMAGE_LIST_BYTES, MAX_LABEL_FILE_BYTES } from '../limits.js';

const LABEL_READS_AT_ONCE = 16;

interface Found {
  path: string;
  split?: Split;
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
  const empty = (): ImportPlan => ({ format: 'yolo', classNames: [], images: [], failures, skipped: 0, roots: [target] });
  const kind = await kindOf(target);

  let yamlFile: string | null = null;
  let root: string;
  if (kind === 'missing' || kind === 'other') {
    failures.push({ path: pathToDirOrYaml, reason: kind === 'missing' ? 'not found' : NOT_FILE_OR_FOLDER });
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
  // The YAML's `path` may lead elsewhere; the dataset is still the folder the person chose.
  const datasetDir = root;

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

  return { format: 'yolo', classNames: unique.names, images, failures, skipped, roots: [datasetDir] };
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
      // A named pipe or a device is a file to the readers, which refuse it before opening it.
      if (kind === 'file' || kind === 'dir' || kind === 'other') return { path: candidate, kind: kind === 'dir' ? 'dir' : 'file' };
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
    text = await readText(listFile, MAX_IMAGE_LIST_BYTES);
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
      const kind = await kindOf(c);
      if (kind === 'file' || kind === 'other') {
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
      return (await readText(file, MAX_LABEL_FILE_BYTES)).replace(/\s+$/, '').split(/\r?\n/).map((l) => l.trim());
    } catch (err) {
      failures.push({ path: shownPath(root, file), reason: `cannot read the class names: ${errorText(err)}` });
    }
  }
  return null;
}

