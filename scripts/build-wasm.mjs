#!/usr/bin/env node
// Compiles the WebAssembly kernels from their text sources into TypeScript modules holding the
// binary (base64), which the bundles and the tests import like any other module. The generated
// files are committed, so neither the app nor its installer needs wabt; a test recompiles each
// source and fails when its generated file is stale.
//   npm run build:wasm            writes the generated files
//   node scripts/build-wasm.mjs --check   exits 1 when one is stale
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileKernel, KERNELS } from './wasm-kernels.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const kernel of KERNELS) {
  const target = path.join(root, kernel.generated);
  const text = await compileKernel(path.join(root, kernel.source), kernel);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current === text) continue;
  if (check) {
    console.error(`${kernel.generated} is stale: run npm run build:wasm`);
    stale++;
  } else {
    fs.writeFileSync(target, text);
    console.error(`wrote ${kernel.generated}`);
  }
}
process.exit(stale ? 1 : 0);
