#!/usr/bin/env node
// Runs Electronegativity over the desktop app's sources (the Electron shell, the preload, and the
// renderer's page) and fails on any high-severity finding. Medium findings are printed for review;
// docs/security.md says what each one means here. It assumes the Electron version from
// package.json, since it cannot fetch release data without a network.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-electronegativity-'));
// Only what runs in or next to Electron: main's shell, the preload, and the page with its CSP.
for (const [from, to] of [
  ['src-main/electron', 'src-main/electron'],
  ['src-main/main.ts', 'src-main/main.ts'],
  ['src-preload', 'src-preload'],
  ['src-renderer/index.html', 'src-renderer/index.html'],
]) {
  fs.cpSync(from, path.join(work, to), { recursive: true });
}
const csv = path.join(work, 'findings.csv');
const bin = path.join(path.dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
const run = spawnSync(process.execPath, [bin, '-i', work, '-e', electronVersion, '-r', '-v', 'false', '-o', csv], { encoding: 'utf8', timeout: 300_000 });
if (!fs.existsSync(csv)) {
  process.stderr.write(`electronegativity did not run: ${run.stderr || run.stdout}\n`);
  process.exit(1);
}
const rows = fs
  .readFileSync(csv, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
const findings = rows.map(([check, severity, confidence, file, location]) => ({
  check,
  severity: severity.replaceAll('"', ''),
  confidence: confidence.replaceAll('"', ''),
  file: file.replaceAll('"', ''),
  location: location.replaceAll('"', ''),
}));
for (const f of findings) console.log(`${f.severity.padEnd(13)} ${f.confidence.padEnd(10)} ${f.check.padEnd(28)} ${f.file}:${f.location}`);
const high = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
console.log(`electronegativity (Electron ${electronVersion}): ${findings.length} findings, ${high.length} high`);
fs.rmSync(work, { recursive: true, force: true });
process.exit(high.length ? 1 : 0);
