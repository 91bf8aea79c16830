/**
 * What an export writes, as data: each format turns the project's labeled images into a list of
 * folders, copies and text files under the output folder, and `write-layout.ts` carries them out. The
 * formats stay pure (easy to read, nothing half-written on a bad input), and one place owns
 * progress, cancellation and keeping every path inside the output folder.
 */
import path from 'node:path';
import type { BoxAnnotation, ClassDef, ImageRecord, Split } from '@shared';
import { StudioError } from '@shared';

/** One labeled image on its way out, with the file name it gets in the dataset. */
export interface ExportItem {
  image: ImageRecord;
  /** The project's copy of the image (in the media store). */
  source: string;
  split: Split;
  /** `photo.jpg`; unique in the export, also without its extension and case. */
  fileName: string;
  boxes: BoxAnnotation[];
  /** Classification: the classes the image is tagged with. */
  tagClassIds: number[];
}

/** Paths are relative to the output folder, with `/` between parts. */
export type ExportOp =
  | { kind: 'dir'; to: string }
  | { kind: 'copy'; from: string; to: string }
  /** `durable`: flushed and renamed into place (the dataset's index files); else a plain write. */
  | { kind: 'text'; to: string; content: string; durable?: boolean };

export interface ExportLayout {
  /** Done in any order, several at once. */
  ops: ExportOp[];
  /** Done after all of `ops`, in order: the files that say the dataset is whole. */
  finalOps: ExportOp[];
  /** Boxes or tags written. */
  annotations: number;
}

export interface LayoutInput {
  items: readonly ExportItem[];
  /** The project's classes in their order: a class's index is its position here. */
  classes: readonly ClassDef[];
}

/** The file extensions Ultralytics reads as images (its IMG_FORMATS); others it ignores. */
const ULTRALYTICS_IMAGE_EXTS = new Set(['.bmp', '.dng', '.jpeg', '.jpg', '.mpo', '.png', '.tif', '.tiff', '.webp', '.pfm', '.heic']);
/** Image extensions the studio imports that Ultralytics would skip, and the name it reads. */
const RENAMED_EXTS = new Map([
  ['.jpe', '.jpg'],
  ['.dib', '.bmp'],
]);
const KNOWN_IMAGE_EXTS = new Set([...ULTRALYTICS_IMAGE_EXTS, ...RENAMED_EXTS.keys()]);
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
const MAX_STEM = 150;

/**
 * A name that is one safe path part on every desktop OS: no separators, no `..`, no NUL or
 * control characters, nothing Windows refuses, not hidden (Ultralytics does not glob dot files).
 */
function safePathPart(raw: string, fallback: string): string {
  let s = raw
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, '')
    .trim();
  if (s.length > MAX_STEM) s = s.slice(0, MAX_STEM).replace(/[. ]+$/, '');
  if (!s) return fallback;
  return WINDOWS_RESERVED.test(s) ? `_${s}` : s;
}

/**
 * The file name each image gets: its original name, with `-<first 8 of hash>` before the
 * extension when another image took that name first (by id). Names are compared without their
 * extension and case, since YOLO's label file is the stem plus `.txt` and some file systems
 * ignore case.
 */
export function exportFileNames(images: readonly { id: number; name: string; hash: string; ext: string }[]): Map<number, string> {
  const taken = new Set<string>();
  const out = new Map<number, string>();
  for (const image of [...images].sort((a, b) => a.id - b.id)) {
    const base = image.name.split(/[/\\]/).pop() ?? '';
    const nameExt = path.extname(base);
    const hasImageExt = KNOWN_IMAGE_EXTS.has(nameExt.toLowerCase());
    const stem = safePathPart(hasImageExt ? base.slice(0, -nameExt.length) : base, 'image');
    const ext = ULTRALYTICS_IMAGE_EXTS.has(nameExt.toLowerCase()) ? nameExt : (RENAMED_EXTS.get(image.ext.toLowerCase()) ?? image.ext);
    let candidate = stem;
    for (let n = 1; taken.has(candidate.toLowerCase()); n++) {
      candidate = n === 1 ? `${stem}-${image.hash.slice(0, 8)}` : `${stem}-${image.hash.slice(0, 8)}-${n}`;
    }
    taken.add(candidate.toLowerCase());
    out.set(image.id, `${candidate}${ext}`);
  }
  return out;
}

/** The name without its extension: the YOLO label file's name. */
export function stemOf(fileName: string): string {
  return fileName.slice(0, fileName.length - path.extname(fileName).length);
}

/**
 * Class names as folder names: safe path parts, unique regardless of case (`a/b` and `a_b`
 * would both be `a_b`; the later one becomes `a_b_2`).
 */
export function classFolderNames(classes: readonly ClassDef[]): Map<number, string> {
  const taken = new Set<string>();
  const out = new Map<number, string>();
  for (const c of classes) {
    const base = safePathPart(c.name, `class_${c.id}`);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    taken.add(name.toLowerCase());
    out.set(c.id, name);
  }
  return out;
}

/** A box clamped to its image; null when nothing of it is left inside. */
export function clampBox(box: BoxAnnotation, width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | null {
  const x0 = Math.min(Math.max(box.x, 0), width);
  const y0 = Math.min(Math.max(box.y, 0), height);
  const x1 = Math.min(Math.max(box.x + box.w, 0), width);
  const y1 = Math.min(Math.max(box.y + box.h, 0), height);
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/**
 * Joins a relative export path onto the output folder, refusing anything that could leave it.
 * Every name is sanitized before it gets here; this is the last guard.
 */
export function insideOutDir(outDir: string, relative: string): string {
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new StudioError('internal', `Refusing to write ${JSON.stringify(relative)}: not a plain path inside the export folder.`);
  }
  const full = path.join(outDir, ...parts);
  const rel = path.relative(outDir, full);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new StudioError('internal', `Refusing to write ${JSON.stringify(relative)}: it is outside the export folder.`);
  }
  return full;
}
