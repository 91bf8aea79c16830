/**
 * Finding the runtime and proving it works: `python -m reticle_runtime env` run for real, with
 * the runtime's torch and Ultralytics test doubles playing the machines CI is not (a CUDA box, a
 * GPU this torch cannot run on, no torch at all).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../../../../src-main/studio.js';
import { createDirectClient } from '../../../../src-main/transports/direct.js';
import { RuntimeManager, RUNTIME_PYTHON_SETTING } from '../../../../src-main/services/runtime/runtime-manager.js';
import { findPythonRuntimeDir } from '../../../../src-main/services/runtime/runtime-location.js';
import { memorySettings } from '../../helpers/settings.js';
import { ROOT } from '../../helpers/cli.js';
import { DOUBLES, MISSING, PYTHON3, RUNTIME_DIR, doublesEnv, scratch } from '../training/training-fixture.js';

function service(env: NodeJS.ProcessEnv, extra: Partial<ConstructorParameters<typeof RuntimeManager>[0]> = {}) {
  const settings = memorySettings();
  return { settings, runtime: new RuntimeManager({ settings, dataDir: scratch('reticle-data-'), runtimeDir: RUNTIME_DIR, env, ...extra }) };
}

function withoutInterpreter(): NodeJS.ProcessEnv {
  const env = doublesEnv();
  delete env.ULTRALYTICS_PYTHON;
  return env;
}

describe('runtime check', () => {
  it('finds ULTRALYTICS_PYTHON and reports a ready CPU runtime', async () => {
    const { runtime } = service(doublesEnv());
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: true, python: PYTHON3, source: 'env', bestDevice: 'cpu', problems: [] });
    expect(status.env).toMatchObject({ torch: '2.5.1+cpu', ultralytics: '8.4.52', cuda: { available: false }, cpu: { works: true } });
  });

  it('picks the first working GPU on a CUDA machine', async () => {
    const { runtime } = service(doublesEnv({ TORCH_DOUBLE_PROFILE: 'cuda' }));
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: true, bestDevice: '0' });
    expect(status.env?.cuda?.devices[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 4090', works: true });
  });

  it('falls back to the CPU when the GPU cannot run this torch, and says what to do', async () => {
    const { runtime } = service(doublesEnv({ TORCH_DOUBLE_PROFILE: 'unsupported-gpu' }));
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: true, bestDevice: 'cpu' });
    expect(status.problems).toHaveLength(1);
    expect(status.problems[0].message).toMatch(/RTX 5090\) cannot run PyTorch/);
    expect(status.problems[0].action).toMatch(/ULTRALYTICS_PYTHON.*Training still works on the CPU/);
  });

  it('an interpreter without torch is not ready, with the runtime\'s words and an action', async () => {
    const { runtime } = service(doublesEnv({ PYTHONPATH: MISSING }));
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: false, source: 'env', bestDevice: null });
    expect(status.env?.torch).toBeNull();
    expect(status.problems.map((p) => p.message).join(' ')).toMatch(/PyTorch is not installed/);
    expect(status.problems[0].action).toMatch(/ULTRALYTICS_PYTHON/);
  });

  it('with no interpreter anywhere, says to install the runtime', async () => {
    const { runtime } = service(withoutInterpreter());
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: false, python: null, source: 'none', env: null, bestDevice: null });
    expect(status.problems[0].action).toMatch(/Install the runtime/);
  });

  it('a chosen Python that cannot start is a problem, not a crash', async () => {
    const { runtime, settings } = service(withoutInterpreter());
    settings.set(RUNTIME_PYTHON_SETTING, '/nowhere/python3');
    const status = await runtime.check();
    expect(status).toMatchObject({ ready: false, python: '/nowhere/python3', source: 'setting', env: null });
    expect(status.problems[0].message).toMatch(/cannot be started, because it does not exist/);
    expect(status.problems[0].action).toMatch(/Choose another Python/);
  });

  it('a runtime that does not answer in time is reported as such', async () => {
    const { runtime } = service(doublesEnv(), { checkTimeoutMs: 30 });
    const status = await runtime.check();
    expect(status.ready).toBe(false);
    expect(status.problems[0].message).toMatch(/did not answer within 0\.0 s/);
  });

  it('configure: a Python must run the check to be chosen; null goes back', async () => {
    const { runtime, settings } = service(withoutInterpreter());
    await expect(runtime.configure('/nowhere/python3')).rejects.toMatchObject({ code: 'invalid_input', message: /does not exist/ });
    expect(settings.get(RUNTIME_PYTHON_SETTING)).toBeUndefined();
    const chosen = await runtime.configure(PYTHON3);
    expect(chosen).toMatchObject({ ready: true, source: 'setting', python: PYTHON3 });
    expect(settings.get(RUNTIME_PYTHON_SETTING)).toBe(PYTHON3);
    expect(runtime.locate()).toEqual({ python: PYTHON3, source: 'setting' });
    expect(await runtime.configure(null)).toMatchObject({ source: 'none' });
    expect(settings.get(RUNTIME_PYTHON_SETTING)).toBeUndefined();
  });

  it('the setting comes before ULTRALYTICS_PYTHON, which comes before the managed venv', async () => {
    const { runtime, settings } = service(doublesEnv({ ULTRALYTICS_PYTHON: '/env/python' }));
    expect(runtime.locate()).toEqual({ python: '/env/python', source: 'env' });
    settings.set(RUNTIME_PYTHON_SETTING, '/chosen/python');
    expect(runtime.locate()).toEqual({ python: '/chosen/python', source: 'setting' });
  });

  it('is reachable through the contract', async () => {
    const studio = createStudio({ mode: 'cli', settings: memorySettings(), dataDir: scratch(), pythonRuntimeDir: RUNTIME_DIR, runtime: { env: doublesEnv() } });
    try {
      const api = createDirectClient(studio.host);
      expect(await api.runtime.check({})).toMatchObject({ ready: true, source: 'env' });
      expect(await api.runtime.check({ python: '/nowhere/python3' })).toMatchObject({ ready: false, python: '/nowhere/python3' });
    } finally {
      await studio.dispose();
    }
  });

  it('finds the python-runtime folder by walking up from a module', () => {
    expect(findPythonRuntimeDir(path.join(ROOT, 'dist', 'cli'))).toBe(RUNTIME_DIR);
    expect(findPythonRuntimeDir(path.join(ROOT, 'src-main', 'services', 'runtime'))).toBe(RUNTIME_DIR);
    expect(DOUBLES.startsWith(RUNTIME_DIR)).toBe(true);
  });
});
