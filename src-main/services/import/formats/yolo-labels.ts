/**
 * A YOLO dataset's label files: where an image's labels are (Ultralytics' `img2label_paths`), and
 * reading each line into a box, or the reason it is not one.
 */
import path from 'node:path';
import { MAX_LABEL_FILE_BYTES } from '../limits.js';
import { errorText, readText, shownPath } from './scan.js';

/** Ultralytics accepts coordinates up to 1% outside the image; the pipeline clamps them. */
const SLACK = 0.01;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/**
 * More classes than any detection dataset has (LVIS has 1,203). A larger count or index is a
 * typo or a broken file, and would otherwise make a name, and a class, for every index below it.
 */
export const MAX_CLASSES = 10_000;

interface RawBox {
  cls: number;
  x: number;
  y: number;
  w: number;
  h: number;
  line: number;
}

/** Ultralytics' `img2label_paths`: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function labelPathFor(imagePath: string): string {
  const sa = `${path.sep}images${path.sep}`;
  const at = imagePath.lastIndexOf(sa);
  const swapped = at < 0 ? imagePath : `${imagePath.slice(0, at)}${path.sep}labels${path.sep}${imagePath.slice(at + sa.length)}`;
  const dot = swapped.lastIndexOf('.');
  return `${dot > swapped.lastIndexOf(path.sep) ? swapped.slice(0, dot) : swapped}.txt`;
}

/** With no names anywhere: class0, class1… up to the highest index the labels use. */
export function placeholderNames(labels: readonly (LabelFile | null)[]): string[] {
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
export async function readLabelFile(file: string, root: string): Promise<LabelFile | null> {
  const shown = shownPath(root, file);
  let text: string;
  try {
    text = await readText(file, MAX_LABEL_FILE_BYTES);
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
function parseLabelLine(tokens: readonly string[]): Omit<RawBox, 'line'> | string {
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
