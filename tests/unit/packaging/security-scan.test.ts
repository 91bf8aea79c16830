import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { readFinding, readReport } from '../../../scripts/electronegativity-report.mjs';

describe('security gate report reading', () => {
  it('keeps a finding whose sample and description hold commas, quotes and newlines', () => {
    const f = readFinding({
      id: 'OPEN_EXTERNAL_JS_CHECK',
      severity: { name: 'MEDIUM' },
      confidence: { name: 'TENTATIVE' },
      file: 'src-main/electron/window.ts',
      location: { line: 93, column: 2 },
      sample: 'shell.openExternal(url, { activate: true })\n// "quoted", here',
      description: 'Review, carefully',
    });
    expect(f).toEqual({ check: 'OPEN_EXTERNAL_JS_CHECK', severity: 'MEDIUM', confidence: 'TENTATIVE', file: 'src-main/electron/window.ts', location: '93:2' });
  });

  it('fails with what it read when a finding has no severity, instead of a TypeError', () => {
    expect(() => readFinding({ id: 'X', confidence: { name: 'FIRM' } })).toThrow(/unreadable finding from electronegativity: \{"id":"X"/);
    expect(() => readReport(undefined)).toThrow(/returned no report/);
    expect(() => readReport({ issues: [] })).toThrow(/returned no report: \{"issues":\[\]\}/);
  });

  it('scans the app offline and prints its totals, the same on every run', () => {
    const runs = [0, 1].map(() => spawnSync(process.execPath, ['scripts/security-scan.mjs'], { encoding: 'utf8', timeout: 120_000 }));
    for (const r of runs) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/electronegativity \(Electron [\d.]+\): \d+ findings, 0 high, 0 files unparsed/);
    }
    expect(runs[0]!.stdout).toBe(runs[1]!.stdout);
  });
});
