#!/usr/bin/env node
// Bundles the four entry points: Electron main (ESM), the sandboxed preload (CJS, which a
// sandboxed preload requires), the `reticle` CLI, and the renderer (Vite).
// `--only=cli` builds just the CLI (what the CLI tests run).
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const alias = { '@shared': path.join(root, 'src-shared/index.ts') };

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  packages: 'external',
  alias,
  logLevel: 'warning',
  absWorkingDir: root,
};

const started = Date.now();
if (!only) rmSync(path.join(root, 'dist'), { recursive: true, force: true });

await esbuild({
  ...nodeCommon,
  // The inference worker is a file of its own: a worker thread starts from a script.
  entryPoints: { reticle: 'src-main/cli/reticle.ts', 'inference-worker': 'src-main/services/inference/inference-worker.ts' },
  outdir: 'dist/cli',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
});

if (!only) {
  await esbuild({
    ...nodeCommon,
    entryPoints: { main: 'src-main/main.ts', 'inference-worker': 'src-main/services/inference/inference-worker.ts' },
    outdir: 'dist/main',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
  });
  await esbuild({
    ...nodeCommon,
    packages: undefined,
    external: ['electron'],
    // The preload carries the contract (and zod with it) to check channels; keep it small.
    minify: true,
    entryPoints: { preload: 'src-preload/preload.ts' },
    outdir: 'dist/preload',
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
  });
}

if (only !== 'cli') await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
console.error(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
