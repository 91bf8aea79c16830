/**
 * A YOLO dataset's data YAML: finding it in a folder, and reading what it says (the dataset's
 * roots, its train/val/test entries and its class names) the way Ultralytics reads it.
 */
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ImportFailure, Split } from '@shared';
import { errorText, isDir, listDir, readText } from './scan.js';
import { MAX_CLASSES } from './yolo-labels.js';
import { MAX_LABEL_FILE_BYTES } from '../limits.js';

export const SPLIT_KEYS: readonly Split[] = ['train', 'val', 'test'];

/** What a data YAML says, once read. `names` is null when it names no classes. */
export interface DataYaml {
  file: string;
  names: string[] | null;
  roots: string[];
  splits: { split: Split; entries: string[] }[];
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
    return parseYaml(await readText(file, MAX_LABEL_FILE_BYTES));
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function readDataYaml(file: string, failures: ImportFailure[]): Promise<DataYaml | null> {
  const yamlDir = path.dirname(file);
  const shown = path.basename(file);
  let data: unknown;
  try {
    data = parseYaml(await readText(file, MAX_LABEL_FILE_BYTES));
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
