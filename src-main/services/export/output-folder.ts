/** Where an export may go: outside the project, and a folder that is new, empty, or allowed to be written into. */
import type fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '@shared';

/** Files an OS drops into any folder; they do not make it "not empty". */
const OS_LITTER = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/** Resolves symlinks in the part of `p` that exists, so a link cannot hide where it leads. */
async function realLocation(p: string): Promise<string> {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(await fsp.realpath(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

export async function refuseInsideProject(outDir: string, projectRoot: string, allowedWithin: string | null): Promise<void> {
  const [out, root] = await Promise.all([realLocation(outDir), realLocation(projectRoot)]);
  const within = (base: string) => path.relative(base, out);
  const below = (rel: string) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  if (allowedWithin && below(within(await realLocation(allowedWithin)))) return;
  const rel = within(root);
  if (rel === '' || below(rel)) {
    throw new StudioError('invalid_input', `${outDir} is inside the project folder. Choose a folder outside ${projectRoot} for the export.`);
  }
}

/** Whether the folder exists; refuses a file, and a non-empty folder without `overwrite`. */
export async function checkOutDir(outDir: string, overwrite: boolean): Promise<boolean> {
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(outDir);
  } catch {
    return false;
  }
  if (!stat.isDirectory()) throw new StudioError('invalid_input', `${outDir} is a file. Choose a folder for the export.`);
  const entries = (await fsp.readdir(outDir)).filter((e) => !OS_LITTER.has(e));
  if (entries.length > 0 && !overwrite) {
    throw new StudioError('already_exists', `${outDir} is not empty. Choose an empty or new folder, or allow writing into this one.`);
  }
  return true;
}
