/**
 * The Python runtime that trains: where its interpreter is, whether it works, and making the
 * managed one. The interpreter is looked for in order:
 *
 *   1. the `runtime.python` setting (chosen by the user: an existing Python with Ultralytics),
 *   2. the ULTRALYTICS_PYTHON environment variable (developers, CI, headless boxes),
 *   3. the managed venv, `<studio data folder>/runtime/venv`, which `install` makes.
 *
 * Every check runs `python -m reticle_runtime env` with the runtime package (python-runtime/,
 * shipped with the studio) on PYTHONPATH: the answer is proven per device, not guessed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { StudioError, type RuntimeStatus } from '@shared';
import type { z } from 'zod';
import type { RuntimeInstallInput } from '@shared';
import type { SettingsStore } from '../settings/settings-store.js';
import type { JobHandle } from '../jobs/job-runner.js';
import { runRuntimeCommand, runtimeProcessEnv } from './runtime-process.js';
import { brokenStatus, noRuntimeStatus, statusFromEnv, type RuntimeSource } from './runtime-status.js';
import {
  chooseTorch,
  cleanPythonEnv,
  defaultInstallSteps,
  detectHardware,
  findBasePython,
  runStreaming,
  venvPython,
  venvWorks,
  type Hardware,
  type InstallStep,
  type TorchChoice,
} from './provisioning.js';

export const RUNTIME_PYTHON_SETTING = 'runtime.python';
type RuntimeInstallRequest = z.output<typeof RuntimeInstallInput>;

export interface RuntimeManagerOptions {
  settings: SettingsStore;
  /** The studio's own data folder: the managed venv goes in `runtime/venv` under it. */
  dataDir: string;
  /** The folder holding the `reticle_runtime` package (python-runtime/). */
  runtimeDir: string;
  /**
   * The weights library, which Ultralytics' `weights_dir` points at in every runtime process
   * (default: `weights` in the data folder).
   */
  weightsDir?: string;
  /** The environment runtime processes start from (ULTRALYTICS_PYTHON is read from it too). */
  env?: NodeJS.ProcessEnv;
  /** How long `env` may take: importing torch and waking a GPU can take a while the first time. */
  checkTimeoutMs?: number;
  /** The pip commands `install` runs; tests point them at a local wheel folder. */
  installSteps?: (torch: TorchChoice, mode: RuntimeInstallRequest['mode']) => InstallStep[];
  detectHardware?: () => Promise<Hardware>;
}

interface LocatedRuntime {
  python: string | null;
  source: RuntimeSource;
}

/** How long a check's answer stands in for `device: 'auto'`, so queueing a run stays quick. */
const STATUS_FRESH_MS = 10 * 60_000;

export class RuntimeManager {
  readonly runtimeDir: string;
  readonly venvDir: string;
  readonly weightsDir: string;
  private readonly ultralyticsConfigDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly checkTimeoutMs: number;
  private last: { status: RuntimeStatus; at: number } | null = null;
  private installing = false;

  constructor(private readonly options: RuntimeManagerOptions) {
    this.runtimeDir = options.runtimeDir;
    this.venvDir = path.join(options.dataDir, 'runtime', 'venv');
    this.weightsDir = options.weightsDir ?? path.join(options.dataDir, 'weights');
    this.ultralyticsConfigDir = path.join(options.dataDir, 'runtime', 'ultralytics-config');
    this.env = options.env ?? process.env;
    this.checkTimeoutMs = options.checkTimeoutMs ?? 120_000;
  }

  /** Where the interpreter is, by the order above; the managed venv counts once its folder exists. */
  locate(): LocatedRuntime {
    const chosen = this.options.settings.get<string | null>(RUNTIME_PYTHON_SETTING);
    if (typeof chosen === 'string' && chosen) return { python: chosen, source: 'setting' };
    const fromEnv = this.env.ULTRALYTICS_PYTHON;
    if (fromEnv) return { python: path.resolve(fromEnv), source: 'env' };
    if (fs.existsSync(this.venvDir)) return { python: venvPython(this.venvDir), source: 'managed' };
    return { python: null, source: 'none' };
  }

  /** The environment a runtime process gets (the runtime package on PYTHONPATH, unbuffered UTF-8). */
  processEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return runtimeProcessEnv(this.runtimeDir, this.env, extra);
  }

  /**
   * The environment the runtime's commands start from: the studio's, plus what keeps Ultralytics
   * off the network and out of the user's own Ultralytics settings (its settings file lives in
   * the studio's data folder; see python-runtime/reticle_runtime/offline.py).
   */
  get baseEnv(): NodeJS.ProcessEnv {
    fs.mkdirSync(this.ultralyticsConfigDir, { recursive: true });
    return { ...this.env, YOLO_OFFLINE: 'true', YOLO_CONFIG_DIR: this.ultralyticsConfigDir, RETICLE_WEIGHTS_DIR: this.weightsDir };
  }

  /**
   * Runs `env` with the located interpreter (or `python`, to try one before choosing it).
   * Never throws for a runtime that does not work: the status says what is wrong and what to do.
   */
  async check(python?: string): Promise<RuntimeStatus> {
    if (python) return this.probe(python, 'setting');
    const located = this.locate();
    return this.remember(located.python ? await this.probe(located.python, located.source) : noRuntimeStatus());
  }

  private async probe(python: string, source: RuntimeSource): Promise<RuntimeStatus> {
    const result = await runRuntimeCommand({ python, runtimeDir: this.runtimeDir, args: ['env'], env: this.env, timeoutMs: this.checkTimeoutMs });
    const env = result.messages.find((m) => m.type === 'env');
    return env && env.type === 'env' ? statusFromEnv(python, source, env) : brokenStatus(python, source, result, this.checkTimeoutMs);
  }

  /** The last check's answer while fresh, else a new check. */
  async status(maxAgeMs = STATUS_FRESH_MS): Promise<RuntimeStatus> {
    const located = this.locate();
    if (this.last && Date.now() - this.last.at < maxAgeMs && this.last.status.python === located.python) return this.last.status;
    return this.check();
  }

  /**
   * Chooses the interpreter: a Python that must at least run the runtime's check, or null to go
   * back to the managed runtime.
   *
   * @throws StudioError `invalid_input` when the Python cannot be started or cannot run the check
   */
  async configure(python: string | null): Promise<RuntimeStatus> {
    if (python === null) {
      this.options.settings.set(RUNTIME_PYTHON_SETTING, undefined);
      this.last = null;
      return this.check();
    }
    const status = await this.check(python);
    if (!status.env) throw new StudioError('invalid_input', `${status.problems[0]?.message ?? `${python} cannot run the runtime.`} ${status.problems[0]?.action ?? ''}`.trim());
    this.options.settings.set(RUNTIME_PYTHON_SETTING, python);
    return this.remember(status);
  }

  /**
   * Creates or repairs the managed runtime, reporting each pip line as progress; ends with a
   * check of the new runtime, which it then uses (a chosen Python is forgotten).
   *
   * @throws StudioError with what to do: no Python to build with, a venv that cannot be made,
   *   pip failing (its last lines), a runtime that does not work once installed; `cancelled`
   */
  async install(request: RuntimeInstallRequest, job: JobHandle): Promise<RuntimeStatus> {
    if (this.installing) throw new StudioError('conflict', 'The runtime is already being installed.');
    this.installing = true;
    try {
      return await this.installNow(request, job);
    } finally {
      this.installing = false;
    }
  }

  private async installNow(request: RuntimeInstallRequest, job: JobHandle): Promise<RuntimeStatus> {
    const { signal } = job;
    const cancelled = () => {
      if (signal.aborted) throw new StudioError('cancelled', 'The runtime install was cancelled; the runtime may be incomplete. Install again to finish it.');
    };
    const hardware = await (this.options.detectHardware ?? detectHardware)();
    const torch = chooseTorch(hardware, request.accelerator);
    const steps = (this.options.installSteps ?? defaultInstallSteps)(torch, request.mode);
    const total = steps.length + 2;
    const say = (done: number, current: string) => job.progress({ phase: done === 0 ? 'scanning' : done >= total - 1 ? 'finishing' : 'working', done, total, current });

    say(0, 'Finding a Python to build the runtime with');
    const python = venvPython(this.venvDir);
    const broken = fs.existsSync(this.venvDir) && !(await venvWorks(this.venvDir));
    const fresh = request.mode === 'recreate' || broken || !fs.existsSync(python);
    if (fresh) {
      const base = await findBasePython(request.basePython);
      cancelled();
      say(0, `${broken ? 'The runtime was damaged: making it again' : 'Creating the runtime'} with Python ${base.version} (${base.executable})`);
      await fsp.rm(this.venvDir, { recursive: true, force: true });
      await fsp.mkdir(path.dirname(this.venvDir), { recursive: true });
      const made = await runStreaming(base.command, [...base.args, '-m', 'venv', this.venvDir], { signal, onLine: (line) => say(0, line) });
      cancelled();
      if (made.code !== 0 || !fs.existsSync(python)) {
        await fsp.rm(this.venvDir, { recursive: true, force: true });
        const text = made.tail.join('\n');
        if (/ensurepip|python3(\.\d+)?-venv/i.test(text)) {
          throw new StudioError(
            'unsupported',
            `Python ${base.version} at ${base.executable} cannot create virtual environments: its venv module lacks ensurepip. ` +
              'On Debian or Ubuntu install the python3-venv package, or choose another Python.',
          );
        }
        throw new StudioError('io', `Creating the runtime's environment failed: ${made.tail.slice(-3).join(' · ') || `exit status ${made.code}`}. Choose another Python, or try again.`);
      }
    }

    for (const [i, step] of steps.entries()) {
      cancelled();
      say(i + 1, step.title);
      const args = step.args[0] === 'install' ? [...step.args, '--progress-bar', 'off'] : step.args;
      const outcome = await runStreaming(python, ['-m', 'pip', ...args], { signal, env: cleanPythonEnv(this.env), onLine: (line) => say(i + 1, `${step.title}: ${line}`) });
      cancelled();
      if (outcome.spawnError) {
        throw new StudioError('io', `The runtime's Python (${python}) cannot be started: ${outcome.spawnError.message}. Recreate the runtime.`);
      }
      if (outcome.code !== 0) {
        const last = outcome.tail.slice(-5).join('\n');
        throw new StudioError(
          'io',
          `${step.title} failed (pip exited with status ${outcome.code}):\n${last}\n` +
            'Check the internet connection and the free disk space, then install again; if it keeps failing, recreate the runtime.',
        );
      }
    }

    say(total - 1, 'Checking the new runtime');
    this.options.settings.set(RUNTIME_PYTHON_SETTING, undefined);
    this.last = null;
    const managed = this.remember(await this.probe(python, 'managed'));
    if (!managed.ready) {
      throw new StudioError('internal', `The runtime was installed but does not work yet: ${managed.problems.map((p) => p.message).join(' ')} ${torch.note ?? ''}`.trim());
    }
    return managed;
  }

  private remember(status: RuntimeStatus): RuntimeStatus {
    this.last = { status, at: Date.now() };
    return status;
  }
}
