#!/usr/bin/env node
// Runs Electronegativity over the desktop app's sources (the Electron shell, the preload, and the
// renderer's page) and fails on any high-severity finding. Medium findings are printed for review;
// docs/security.md says what each one means here. It assumes the Electron version from
// package.json, since it cannot fetch release data without a network.
//
// Electronegativity is called through its API (the package's main export), which returns the
// findings as objects. Its CLI's CSV file was written by two unordered asynchronous writes (the
// header truncating, the rows appending), and its fields can hold commas and newlines, so reading
// that file failed at random.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readFinding, readReport } from './electronegativity-report.mjs';

const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;

// The gate runs offline and the same way every time. Electronegativity asks the network for two
// things: updated translations (at start) and Electron's release list (the available-security-fixes
// check, which also reads whatever release list an earlier run left in the temp folder). The
// version check it feeds needs the app's package.json, which is not scanned here, so that check is
// left out, and the HTTP client it loads is replaced by a test double that refuses every request.
const pkgRequire = createRequire(require.resolve('@doyensec/electronegativity/package.json'));
const gotPath = pkgRequire.resolve('got');
const offline = () => Promise.reject(new Error('the security scan makes no network requests'));
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(offline, { default: offline }) };
process.env.LANG = 'en-US';
const electronegativity = require('@doyensec/electronegativity');

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

let exitCode = 0;
try {
  const run = electronegativity.default ?? electronegativity;
  const result = await run(
    {
      input: work,
      isRelative: true,
      isVerbose: false,
      customScan: [],
      excludeFromScan: ['availablesecurityfixesglobalcheck'],
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    },
    false,
  );
  readReport(result);
  // A file it could not parse was not checked: that is a gap in the scan, so it fails the gate.
  const unparsed = result.errors.filter((e) => !e.tolerable);
  for (const e of result.errors) {
    console.log(`${e.tolerable ? 'warning' : 'ERROR  '} could not fully parse ${path.relative(work, e.file)}: ${e.message}`);
  }
  const findings = result.issues.map(readFinding);
  for (const f of findings) console.log(`${f.severity.padEnd(13)} ${f.confidence.padEnd(10)} ${f.check.padEnd(28)} ${f.file}:${f.location}`);
  const high = findings.filter((f) => f.severity === 'HIGH' || f.severity === 'CRITICAL');
  console.log(
    `electronegativity (Electron ${electronVersion}): ${findings.length} findings, ${high.length} high, ${unparsed.length} files unparsed`,
  );
  if (high.length || unparsed.length) exitCode = 1;
} catch (err) {
  process.stderr.write(`electronegativity did not run: ${err?.stack ?? err}\n`);
  exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
