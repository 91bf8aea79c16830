#!/usr/bin/env node
// `npm test`: every check in order (type check, lint, build, unit tests, Python runtime tests,
// end-to-end tests in Chromium), then one closing line with the real totals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-test-reports-'));
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedStages = [];

function run(name, command, args, { env = {}, count } = {}) {
  if (only.length && !only.includes(name)) return;
  process.stderr.write(`\n== ${name}: ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = result.status === 0;
  if (count) {
    const c = count();
    totals.passed += c.passed;
    totals.failed += c.failed;
    totals.skipped += c.skipped;
    if (!ok && c.failed === 0) totals.failed += 1;
  } else {
    if (ok) totals.passed += 1;
    else totals.failed += 1;
  }
  if (!ok) failedStages.push(name);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const python = process.env.PYTHON ?? 'python3';

run('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('lint', npx, ['eslint', '.', '--max-warnings', '0']);
run('security', process.execPath, ['scripts/security-scan.mjs']);
run('build', process.execPath, ['scripts/build.mjs']);

const vitestJson = path.join(reports, 'vitest.json');
run('unit', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], {
  count: () => {
    const r = readJson(vitestJson);
    return r ? { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests ?? 0) } : { passed: 0, failed: 0, skipped: 0 };
  },
});

if (fs.existsSync('python-runtime/tests')) {
  const pyLog = path.join(reports, 'python.log');
  run('python', 'bash', ['-c', `set -o pipefail; ${python} -m unittest discover -v -s python-runtime/tests -t python-runtime 2>&1 | tee ${pyLog}`], {
    count: () => {
      const log = fs.existsSync(pyLog) ? fs.readFileSync(pyLog, 'utf8') : '';
      const ran = Number(/Ran (\d+) tests?/.exec(log)?.[1] ?? 0);
      const m = /FAILED \((.*)\)/.exec(log)?.[1] ?? '';
      const failed = [...m.matchAll(/(?:failures|errors)=(\d+)/g)].reduce((a, x) => a + Number(x[1]), 0);
      const skipped = Number(/skipped=(\d+)/.exec(log)?.[1] ?? 0);
      return { passed: ran - failed - skipped, failed, skipped };
    },
  });
}

const pwJson = path.join(reports, 'playwright.json');
run('e2e', npx, ['playwright', 'test', '--reporter=list,json'], {
  env: { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  count: () => {
    const s = readJson(pwJson)?.stats;
    return s ? { passed: s.expected + (s.flaky ?? 0), failed: s.unexpected, skipped: s.skipped } : { passed: 0, failed: 0, skipped: 0 };
  },
});

if (failedStages.length) process.stderr.write(`\nfailed stages: ${failedStages.join(', ')}\n`);
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failedStages.length ? 1 : 0);
