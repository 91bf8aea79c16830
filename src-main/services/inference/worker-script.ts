/**
 * Where the inference worker's code is. Built apps ship it as `inference-worker.mjs` beside the
 * bundle that starts it (scripts/build.mjs). Running from sources (vitest, `scripts/run-ts.mjs`),
 * there is no such file: it is bundled once from `inference-worker.ts` with esbuild, a dev
 * dependency, into `node_modules/.cache/reticle/` so that its packages resolve.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '@shared';

const WORKER_FILE = 'inference-worker.mjs';
const SOURCE = path.join('src-main', 'services', 'inference', 'inference-worker.ts');

/** The repository holding the worker's sources, looking up from `start`; null in a built app. */
function findRepo(start: string): string | null {
  let dir = start;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, SOURCE))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

let built: Promise<string> | null = null;

/** The worker script to start: shipped beside this bundle, else built from the sources. */
export function resolveWorkerScript(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const shipped = path.join(here, WORKER_FILE);
  if (fs.existsSync(shipped)) return Promise.resolve(shipped);
  built ??= buildFromSources(here).catch((err: unknown) => {
    built = null;
    throw err;
  });
  return built;
}

async function buildFromSources(here: string): Promise<string> {
  const repo = findRepo(here) ?? findRepo(process.cwd());
  if (!repo) throw new StudioError('internal', `The inference worker (${WORKER_FILE}) is missing from this build.`);
  const stamp = createHash('sha1')
    .update(String(Math.max(newestMtime(path.join(repo, 'src-main')), newestMtime(path.join(repo, 'src-shared')))))
    .digest('hex')
    .slice(0, 12);
  const outDir = path.join(repo, 'node_modules', '.cache', 'reticle');
  const outfile = path.join(outDir, `inference-worker-${stamp}.mjs`);
  if (fs.existsSync(outfile)) return outfile;
  const { build } = await import('esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  // Another process may build the same file: write aside, then rename into place.
  const temp = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [path.join(repo, SOURCE)],
    outfile: temp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    alias: { '@shared': path.join(repo, 'src-shared', 'index.ts') },
    logLevel: 'warning',
  });
  fs.renameSync(temp, outfile);
  return outfile;
}
