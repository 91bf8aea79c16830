/**
 * Plain images: files and folders a person dropped, with no labels. Folders are scanned
 * recursively; what is not an image by its extension is counted and left alone.
 */
import path from 'node:path';
import type { ImportFailure } from '@shared';
import { isImagePath } from '../../media/image-files.js';
import type { ImportPlan, PlannedImage } from '../plan.js';
import { kindOf, throwIfAborted, walkFiles } from './scan.js';

/**
 * Plans the import of image files and folders of them.
 *
 * @param paths files or folders; folders are scanned recursively, skipping dot files and `__MACOSX`
 * @param signal stops the scan (throws StudioError `cancelled`)
 */
export async function planImages(paths: string[], signal?: AbortSignal): Promise<ImportPlan> {
  const images: PlannedImage[] = [];
  const failures: ImportFailure[] = [];
  const seen = new Set<string>();
  const visitedDirs = new Set<string>();
  const roots: string[] = [];
  let skipped = 0;

  const add = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    images.push({ path: file, labels: [], labeled: false });
  };

  for (const given of paths) {
    throwIfAborted(signal);
    const p = path.resolve(given);
    const kind = await kindOf(p);
    if (kind === 'missing') {
      failures.push({ path: given, reason: 'not found' });
    } else if (kind === 'dir') {
      roots.push(p);
      for (const file of await walkFiles(p, signal, visitedDirs)) {
        if (isImagePath(file)) add(file);
        else skipped++;
      }
    } else if (kind === 'file' && isImagePath(p)) {
      // Named on purpose, so a dot file is taken too; and wherever a link leads, it was chosen.
      roots.push(p);
      add(p);
    } else if (kind === 'file') {
      const ext = path.extname(p);
      failures.push({ path: given, reason: `not an image file (${ext ? `${ext} files are not images` : 'it has no extension'})` });
    } else {
      failures.push({ path: given, reason: 'not an image file (not a regular file)' });
    }
  }
  return { format: 'images', classNames: [], images, failures, skipped, roots };
}
