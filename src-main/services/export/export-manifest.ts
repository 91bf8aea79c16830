/**
 * The list of files an export wrote, kept in the output folder, so that exporting again into the
 * folder removes what is stale.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ExportFormat } from '@shared';
import { writeAtomic } from '../media/media-store.js';
import { insideOutDir } from './layout.js';

const EXPORT_MANIFEST = '.reticle-export.json';

export async function readManifest(outDir: string): Promise<string[]> {
  try {
    const data = JSON.parse(await fsp.readFile(path.join(outDir, EXPORT_MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(data.files) ? data.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

export async function writeManifest(outDir: string, format: ExportFormat, files: string[]): Promise<void> {
  const body = { writtenBy: 'Reticle Studio', format, files };
  await writeAtomic(path.join(outDir, EXPORT_MANIFEST), `${JSON.stringify(body, null, 1)}\n`);
}

/** Removes what the previous export wrote and this one did not, then the folders left empty. */
export async function removeStale(outDir: string, previous: readonly string[], keep: ReadonlySet<string>): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of previous) {
    if (keep.has(rel)) continue;
    let target: string;
    try {
      target = insideOutDir(outDir, rel);
    } catch {
      continue; // A hand-edited manifest names nothing outside the folder.
    }
    await fsp.rm(target, { force: true }).catch(() => undefined);
    for (let d = path.dirname(target); d !== outDir && d.startsWith(outDir); d = path.dirname(d)) dirs.add(d);
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    await fsp.rmdir(dir).catch(() => undefined); // only succeeds when empty
  }
}
