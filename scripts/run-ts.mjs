#!/usr/bin/env node
// Runs a TypeScript script (a benchmark, a screenshot script) with the project's path aliases:
// bundles it with esbuild to a temporary ESM file, dependencies left external, then imports it.
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-run-'));
const outfile = path.join(root, '.bench', 'run', `${path.basename(entry, '.ts')}-${process.pid}.mjs`);
fs.mkdirSync(path.dirname(outfile), { recursive: true });
await build({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  alias: { '@shared': path.join(root, 'src-shared/index.ts') },
  logLevel: 'warning',
});
fs.rmSync(outDir, { recursive: true, force: true });
process.argv = [process.argv[0], outfile, ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  process.on('exit', () => fs.rmSync(outfile, { force: true }));
}
