#!/usr/bin/env node
// Bundles the entry points: Electron main (ESM), the sandboxed preload (CJS, which a
// sandboxed preload requires), the `reticle` CLI, the `reticle-server` team server, and the renderer (Vite).
// `--only=cli` builds just the CLI (what the CLI tests run); `--only=server` the CLI and the server.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { cpSync, rmSync } from 'node:fs';
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

if (!only || only === 'server') {
  // The team server (`reticle-server`), with its SQL migrations beside it, found at run time.
  await esbuild({
    ...nodeCommon,
    entryPoints: { 'reticle-server': 'src-server/reticle-server.ts' },
    outdir: 'dist/server',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
  });
  rmSync(path.join(root, 'dist/server/migrations'), { recursive: true, force: true });
  cpSync(path.join(root, 'src-server/db/migrations'), path.join(root, 'dist/server/migrations'), { recursive: true });
}

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

if (!only) await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' });
console.error(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
