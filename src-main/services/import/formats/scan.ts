/**
 * Folder walking and small file helpers the format readers share. Readers only look: nothing
 * here writes.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError, type Split } from '@shared';
import { readRegularFile } from '../../media/regular-files.js';

/** Names a person would sort the same way: `img2` before `img10`. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
export const byName = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

/** Throws StudioError `cancelled` once the import was cancelled. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'The import was cancelled.');
}

/** Dot files and the resource forks macOS zips carry are noise, never data. */
function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

/** `other`: a named pipe, a device or a socket, which no reader opens. */
type EntryKind = 'file' | 'dir' | 'missing' | 'other';

/** Why a dataset path of kind `other` is not read. */
export const NOT_FILE_OR_FOLDER = 'not a regular file or folder (a named pipe, a device or a socket); it was not read';

/** What a path is, following symlinks; a dangling link is `missing`. */
export async function kindOf(p: string): Promise<EntryKind> {
  try {
    const st = await fsp.stat(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

export async function isDir(p: string): Promise<boolean> {
  return (await kindOf(p)) === 'dir';
}

/** Folder names that mean a split, with the spellings of val that Ultralytics and Roboflow use. */
const SPLIT_FOLDER_NAMES = new Map<string, Split>([
  ['train', 'train'],
  ['val', 'val'],
  ['valid', 'val'],
  ['validation', 'val'],
  ['test', 'test'],
]);

/** The split a folder's name means, if any. */
export function splitOfFolder(name: string): Split | undefined {
  return SPLIT_FOLDER_NAMES.get(name.toLowerCase());
}

/** A folder's visible entries, sorted by name; a folder that cannot be read has none. */
export async function listDir(dir: string): Promise<{ name: string; path: string; kind: EntryKind }[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: { name: string; path: string; kind: EntryKind }[] = [];
  for (const e of entries) {
    if (isIgnoredName(e.name)) continue;
    const full = path.join(dir, e.name);
    // Only a link needs a stat: its Dirent describes the link, not what it points at.
    const kind: EntryKind = e.isSymbolicLink() ? await kindOf(full) : e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other';
    out.push({ name: e.name, path: full, kind });
  }
  return out.sort((a, b) => byName(a.name, b.name));
}

/**
 * Every visible file under `root`, depth first in name order. Symlinked folders are followed,
 * but each real folder is entered once, so links back up the tree cannot loop. Named pipes,
 * devices and sockets are listed too: the import reports them (and never opens them) instead of
 * passing them by without a word.
 */
export async function walkFiles(root: string, signal?: AbortSignal, visited: Set<string> = new Set()): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    throwIfAborted(signal);
    let real: string;
    try {
      real = await fsp.realpath(dir);
    } catch {
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    for (const entry of await listDir(dir)) {
      if (entry.kind === 'file' || entry.kind === 'other') files.push(entry.path);
      else if (entry.kind === 'dir') await visit(entry.path);
    }
  };
  await visit(root);
  return files;
}

/**
 * Reads a text file of a dataset, dropping a UTF-8 byte-order mark. Only a regular file of at
 * most `maxBytes` is read: a named pipe or a device is refused before it is opened.
 *
 * @throws StudioError `invalid_input` for what is not a regular file or is too large, its
 *   message a clause ("it is a named pipe…") for the reader's own "cannot read …: " before it
 */
export async function readText(file: string, maxBytes: number): Promise<string> {
  const text = (await readRegularFile(file, 'it', maxBytes)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A path as reports show it: relative to the dataset's folder when it lies inside. */
export function shownPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** A file system error in words, without Node's errno prefix for the common ones. */
export function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` over `items` with at most `limit` at once, keeping the results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      throwIfAborted(signal);
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
