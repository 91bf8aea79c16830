/**
 * Installing the managed runtime, end to end and offline: a real venv made with python3, pip
 * installing from a local folder of wheels these tests build (a tiny package, and the runtime's
 * torch and Ultralytics test doubles packaged as wheels), then the runtime's own check in the
 * new venv. And the ways it goes wrong, each with a message saying what to do.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress, JobResult, RuntimeStatus, StudioApi } from '@shared';
import { createStudio, type Studio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { venvPython, type InstallStep } from '../../../../src-main/services/runtime/provisioning.js';
import { memorySettings } from '../../helpers/settings.js';
import { tempDir } from '../../helpers/images.js';
import { DOUBLES, RUNTIME_DIR, scratch } from '../training/training-fixture.js';
import { buildDoubleWheel, buildWheel } from './wheels.js';

/** Whether python3 can make a venv with pip in it (Debian's python3 needs python3-venv for that). */
function canMakeVenvs(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'reticle-venv-probe-'));
  try {
    const made = spawnSync('python3', ['-m', 'venv', path.join(probe, 'venv')], { encoding: 'utf8', timeout: 120_000 });
    return made.status === 0 && spawnSync(venvPython(path.join(probe, 'venv')), ['-m', 'pip', '--version']).status === 0;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const venvWorks = canMakeVenvs();
if (!venvWorks) console.log('skipped: `python3 -m venv` cannot make a venv with pip on this machine (Debian: install python3-venv), so the managed runtime cannot be installed here');

/** No PYTHONPATH, no ULTRALYTICS_PYTHON, and no pip configuration: pip sees only the test's wheels. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PIP_|ULTRALYTICS_|TORCH_DOUBLE_|PYTHONPATH$|VIRTUAL_ENV$)/.test(k)) env[k] = v;
  return { ...env, PIP_CONFIG_FILE: os.devNull, TORCH_DOUBLE_PROFILE: 'cpu' };
}

let wheels: string;

beforeAll(() => {
  if (!venvWorks) return;
  // Not a scratch folder: those go after each test, and the wheels serve them all.
  wheels = tempDir('reticle-wheels-');
  buildWheel(wheels, 'tinypkg', '0.1', { 'tinypkg/__init__.py': 'GREETING = "hello from tinypkg"\n' });
  buildDoubleWheel(wheels, DOUBLES, 'torch', '2.5.1');
  buildDoubleWheel(wheels, DOUBLES, 'ultralytics', '8.4.52');
  buildDoubleWheel(wheels, DOUBLES, 'onnx', '1.17.0');
}, 60_000);

afterAll(() => {
  if (wheels) fs.rmSync(wheels, { recursive: true, force: true });
});

interface Harness {
  studio: Studio;
  api: StudioApi;
  dataDir: string;
  venv: string;
  progress: JobProgress[];
  install(request?: Parameters<StudioApi['runtime']['install']>[0]): Promise<JobResult>;
}

function harness(packages: string[] = ['tinypkg', 'torch', 'ultralytics', 'onnx']): Harness {
  const dataDir = scratch('reticle-data-');
  const steps = (): InstallStep[] => [{ title: 'Installing the test packages', args: ['install', '--no-index', '--find-links', wheels, ...packages] }];
  const studio = createStudio({
    mode: 'cli',
    settings: memorySettings(),
    dataDir,
    pythonRuntimeDir: RUNTIME_DIR,
    runtime: { env: cleanEnv(), installSteps: steps, detectHardware: async () => ({ platform: process.platform, arch: process.arch, gpus: [] }) },
  });
  const api = createDirectClient(studio.host);
  const progress: JobProgress[] = [];
  api.jobs.onProgress((p) => progress.push(p));
  return {
    studio,
    api,
    dataDir,
    venv: path.join(dataDir, 'runtime', 'venv'),
    progress,
    async install(request = {}) {
      const { jobId } = await api.runtime.install(request);
      return new Promise((resolve) => {
        const off = api.jobs.onFinished((r) => {
          if (r.jobId !== jobId) return;
          off();
          resolve(r);
        });
      });
    },
  };
}

describe.skipIf(!venvWorks)('installing the managed runtime', () => {
  it('makes a venv, installs from the wheel folder with pip lines as progress, and checks it works', async () => {
    const h = harness();
    try {
      const before = await h.api.runtime.check({});
      expect(before).toMatchObject({ ready: false, source: 'none', python: null });
      expect(before.problems[0].action).toMatch(/Install the runtime/);

      const result = await h.install();
      expect(result.status, JSON.stringify(result)).toBe('ok');
      expect(result.kind).toBe('runtime');
      const status = (result as { report: RuntimeStatus }).report;
      expect(status).toMatchObject({ ready: true, source: 'managed', python: venvPython(h.venv), bestDevice: 'cpu', problems: [] });
      expect(status.env).toMatchObject({ torch: '2.5.1+cpu', ultralytics: '8.4.52' });

      // pip's own lines arrived as progress while it worked.
      const lines = h.progress.map((p) => p.current ?? '');
      expect(lines.some((l) => /Creating the runtime with Python 3\./.test(l))).toBe(true);
      expect(lines.some((l) => /Installing the test packages: .*tinypkg/.test(l))).toBe(true);
      expect(lines.some((l) => /Successfully installed/.test(l))).toBe(true);
      expect(h.progress.every((p) => p.kind === 'runtime')).toBe(true);

      const imported = spawnSync(venvPython(h.venv), ['-c', 'import tinypkg; print(tinypkg.GREETING)'], { encoding: 'utf8', env: cleanEnv() });
      expect(imported.stdout.trim()).toBe('hello from tinypkg');
      expect(await h.api.runtime.check({})).toMatchObject({ ready: true, source: 'managed' });

      // Installing again keeps the venv: no new one is made.
      h.progress.length = 0;
      expect((await h.install()).status).toBe('ok');
      expect(h.progress.some((p) => /Creating the runtime/.test(p.current ?? ''))).toBe(false);
    } finally {
      await h.studio.dispose();
    }
  }, 180_000);

  it('a broken venv shows as a problem to recreate, and recreating fixes it', async () => {
    const h = harness(['tinypkg', 'torch', 'ultralytics']);
    try {
      expect((await h.install()).status).toBe('ok');
      const bin = path.dirname(venvPython(h.venv));
      for (const name of fs.readdirSync(bin)) if (name.startsWith('python')) fs.rmSync(path.join(bin, name), { force: true });
      const broken = await h.api.runtime.check({});
      expect(broken).toMatchObject({ ready: false, source: 'managed', env: null });
      expect(broken.problems[0].message).toMatch(/managed runtime is damaged: its Python .* cannot be started, because it does not exist/);
      expect(broken.problems[0].action).toMatch(/Recreate the runtime/);

      const again = await h.install({ mode: 'recreate' });
      expect(again.status, JSON.stringify(again)).toBe('ok');
      expect(await h.api.runtime.check({})).toMatchObject({ ready: true, source: 'managed' });
    } finally {
      await h.studio.dispose();
    }
  }, 180_000);

  it('pip failing ends the job with pip\'s last lines and what to try', async () => {
    const h = harness(['tinypkg', 'no-such-package-anywhere']);
    try {
      const result = await h.install();
      expect(result.status).toBe('failed');
      const message = (result as { error: { message: string } }).error.message;
      expect(message).toMatch(/Installing the test packages failed \(pip exited with status 1\)/);
      expect(message).toMatch(/no-such-package-anywhere/);
      expect(message).toMatch(/install again; if it keeps failing, recreate the runtime/);
    } finally {
      await h.studio.dispose();
    }
  }, 120_000);

  it('a Python that does not exist cannot build the runtime, and says what to do', async () => {
    const h = harness();
    try {
      const result = await h.install({ basePython: '/nowhere/bin/python3' });
      expect(result).toMatchObject({ status: 'failed', error: { code: 'not_found', message: expect.stringMatching(/\/nowhere\/bin\/python3 cannot be used: it does not exist\. Choose another Python 3\.10 or newer/) } });
      expect(fs.existsSync(h.venv)).toBe(false);
    } finally {
      await h.studio.dispose();
    }
  });

  it('is not cancelled by opening a project, but is by the user', async () => {
    const h = harness();
    try {
      const { jobId } = await h.api.runtime.install({});
      await h.api.projects.create({ dir: path.join(scratch(), 'p'), name: 'p', task: 'detect' });
      expect((await h.api.jobs.list()).map((j) => j.jobId)).toContain(jobId);
      const finished = new Promise<JobResult>((resolve) => h.api.jobs.onFinished((r) => r.jobId === jobId && resolve(r)));
      expect(await h.api.jobs.cancel({ jobId })).toEqual({ cancelled: true });
      expect(await finished).toMatchObject({ status: 'failed', error: { code: 'cancelled' } });
    } finally {
      await h.studio.dispose();
    }
  }, 60_000);
});
