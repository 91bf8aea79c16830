/**
 * Classification datasets laid out as folders, the way Ultralytics (torchvision's ImageFolder)
 * reads them: `root/<class>/*.jpg`, or `root/{train,val,test}/<class>/*.jpg`.
 */
import path from 'node:path';
import type { ImportFailure, Split } from '@shared';
import { isImagePath } from '../../media/image-files.js';
import type { ImportPlan, PlannedImage } from '../plan.js';
import { kindOf, listDir, splitOfFolder, throwIfAborted, walkFiles } from './scan.js';

const SPLIT_RANK: Record<Split, number> = { train: 0, val: 1, test: 2 };

/**
 * Plans the import of a classification folder tree. Each image gets one tag, its class folder's
 * name; the split comes from the top folder when the tree has split folders.
 *
 * @param root the dataset's folder
 * @param signal stops the scan (throws StudioError `cancelled`)
 * @returns class names sorted as Ultralytics sorts class folders
 */
export async function planFolders(root: string, signal?: AbortSignal): Promise<ImportPlan> {
  const failures: ImportFailure[] = [];
  const images: PlannedImage[] = [];
  const classes = new Set<string>();
  const visited = new Set<string>();
  let skipped = 0;
  const dir = path.resolve(root);
  const plan = (): ImportPlan => ({ format: 'folders', classNames: [...classes].sort(codePointOrder), images, failures, skipped, roots: [dir] });

  const kind = await kindOf(dir);
  if (kind !== 'dir') {
    failures.push({ path: root, reason: kind === 'missing' ? 'not found' : 'class folders are imported from a folder, not a file' });
    return plan();
  }

  /** Reads one level of class folders; files beside them are not in any class. */
  const readClasses = async (parent: string, split?: Split) => {
    const entries = (await listDir(parent)).sort((a, b) => codePointOrder(a.name, b.name));
    for (const entry of entries) {
      throwIfAborted(signal);
      if (entry.kind === 'file') {
        if (isImagePath(entry.name)) failures.push({ path: entry.path, reason: 'not inside a class folder; left out' });
        else skipped++;
        continue;
      }
      if (entry.kind !== 'dir') continue;
      const className = classNameOf(entry.name);
      if (!className) {
        failures.push({ path: entry.path, reason: 'a class folder with a blank name; its images are left out' });
        continue;
      }
      classes.add(className);
      for (const file of await walkFiles(entry.path, signal, visited)) {
        if (isImagePath(file)) images.push({ path: file, split, labels: [{ kind: 'tag', className }], labeled: true });
        else skipped++;
      }
    }
  };

  const top = await listDir(dir);
  const splitDirs = await splitFoldersOf(dir);
  if (splitDirs.length > 0) {
    for (const { path: splitPath, split } of splitDirs) await readClasses(splitPath, split);
    for (const entry of top) {
      if (entry.kind === 'file') skipped++;
    }
  } else {
    await readClasses(dir);
  }
  return plan();
}

/**
 * The split folders of a classification tree (`train/`, `val/`…) that hold class folders, in
 * train, val, test order; none when the tree is a flat `root/<class>/` one.
 */
export async function splitFoldersOf(dir: string): Promise<{ path: string; split: Split }[]> {
  const out: { path: string; split: Split; name: string }[] = [];
  for (const entry of await listDir(dir)) {
    const split = splitOfFolder(entry.name);
    if (entry.kind !== 'dir' || !split) continue;
    const inner = await listDir(entry.path);
    if (inner.some((e) => e.kind === 'dir')) out.push({ path: entry.path, split, name: entry.name });
  }
  return out.sort((a, b) => SPLIT_RANK[a.split] - SPLIT_RANK[b.split] || codePointOrder(a.name, b.name));
}

/**
 * A folder's name as the project can hold a class name: one line, trimmed, at most 100
 * characters (file systems allow line breaks and 255 bytes).
 */
function classNameOf(folder: string): string {
  return folder.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 100).trim();
}

/** Python's `sorted()` order, which gives Ultralytics its class indices. */
function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
