/**
 * A dataset may name files outside its own folder: a data YAML's `path: ../../..`, an absolute
 * COCO `file_name`, a link to a photo elsewhere. Those are the person's other files, and an
 * import takes them only when the person said so (`--allow-outside`, or yes to the app's
 * question); otherwise each is left out and named in the report, so the question can be asked.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ImportPlan } from './plan.js';
import { mapLimit, shownPath } from './formats/scan.js';

const LOOKUPS_AT_ONCE = 16;

/** The reason an image left out for lying outside the dataset's folder is reported with. */
const ALLOW_HINT = 'left out unless files outside the dataset are allowed';

/**
 * Leaves out the planned images that resolve (links followed) outside every one of the plan's
 * roots, reporting each, and counts them in `plan.outside`.
 *
 * @param signal stops the work (throws StudioError `cancelled`)
 */
export async function leaveOutOutside(plan: ImportPlan, signal?: AbortSignal): Promise<void> {
  if (!plan.roots) return;
  const given = plan.roots;
  const roots = await Promise.all(given.map(realOrResolved));
  const resolve = realPathResolver();
  const targets = await mapLimit(plan.images, LOOKUPS_AT_ONCE, (image) => resolve(image.path), signal);
  const shownRoot = given.length === 1 ? given[0] : null;
  const kept: ImportPlan['images'] = [];
  let outside = 0;
  plan.images.forEach((image, i) => {
    const target = targets[i];
    if (roots.some((root) => target === root || isInside(root, target))) {
      kept.push(image);
      return;
    }
    outside++;
    const lexicallyInside = given.some((root) => isInside(path.resolve(root), path.resolve(image.path)));
    plan.failures.push(
      lexicallyInside
        ? { path: shownRoot ? shownPath(shownRoot, image.path) : image.path, reason: `reached through a link that leads outside the dataset (to ${target}); ${ALLOW_HINT}` }
        : { path: image.path, reason: `outside the dataset's folder${shownRoot ? ` (${shownRoot})` : ''}; ${ALLOW_HINT}` },
    );
  });
  plan.images = kept;
  plan.outside = outside;
}

/** Whether `candidate` lies below the folder `root` (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

async function realOrResolved(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/**
 * Where a file really is. A dataset keeps thousands of files in a few folders: each folder is
 * resolved once, and a file on its own only when it is a link.
 */
function realPathResolver(): (file: string) => Promise<string> {
  const folders = new Map<string, Promise<string>>();
  return async (file) => {
    const dir = path.dirname(path.resolve(file));
    let folder = folders.get(dir);
    if (!folder) {
      folder = realOrResolved(dir);
      folders.set(dir, folder);
    }
    const stat = await fsp.lstat(file).catch(() => null);
    if (stat?.isSymbolicLink()) return realOrResolved(file);
    return path.join(await folder, path.basename(file));
  };
}
