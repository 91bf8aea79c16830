/**
 * Making the managed runtime: a venv under the studio's data folder with PyTorch for this
 * machine's hardware, Ultralytics and ONNX, created with a Python found on the machine.
 *
 * Which PyTorch: an NVIDIA GPU gets the CUDA build its driver can run (PyTorch's own wheel
 * index, `--index-url https://download.pytorch.org/whl/cuXXX`); Apple silicon gets PyPI's
 * default wheels, which carry MPS; anything else the CPU build (smaller by gigabytes).
 * Every step is data (`InstallStep`): tests run the whole flow against a local wheel folder.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '@shared';
import { LineSplitter, LogTail } from './runtime-process.js';

/** The oldest Python the runtime, current PyTorch and Ultralytics all support. */
const MIN_PYTHON: readonly [number, number] = [3, 10];
const PYTORCH_INDEX = 'https://download.pytorch.org/whl';

export interface GpuInfo {
  name: string;
  /** "570.86.15" */
  driver: string;
  /** "8.9" */
  computeCap: string;
}

export interface Hardware {
  platform: NodeJS.Platform;
  arch: string;
  /** NVIDIA GPUs as nvidia-smi lists them; empty when it is absent or finds none. */
  gpus: GpuInfo[];
}

type Accelerator = 'auto' | 'cuda' | 'mps' | 'cpu';

export interface TorchChoice {
  /** null: PyPI's default wheels. */
  indexUrl: string | null;
  /** For people: "CUDA 12.8", "CPU only", "Apple MPS". */
  label: string;
  /** Why, when the choice is not the obvious one. */
  note: string | null;
}

/** One pip command in the venv: the arguments after `python -m pip`. */
export interface InstallStep {
  /** What the user sees: "Installing PyTorch (CUDA 12.8)". */
  title: string;
  args: string[];
}

/** Reads `nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader`. */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((parts) => parts.length >= 3 && parts[0] && /^\d+(\.\d+)*$/.test(parts[1]))
    .map(([name, driver, computeCap]) => ({ name, driver, computeCap }));
}

function detectNvidiaGpus(timeoutMs = 15_000): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,driver_version,compute_cap', '--format=csv,noheader'],
      { timeout: timeoutMs, windowsHide: true, encoding: 'utf8' },
      (err, stdout) => resolve(err ? [] : parseNvidiaSmi(stdout)),
    );
  });
}

export async function detectHardware(): Promise<Hardware> {
  const gpus = process.platform === 'darwin' ? [] : await detectNvidiaGpus();
  return { platform: process.platform, arch: process.arch, gpus };
}

/**
 * The PyTorch build for this hardware. CUDA builds by the driver they need: cu128 wants a
 * 570+ driver (and is the first with Blackwell, sm_100/sm_120, kernels), cu126 a 525+ one
 * (CUDA 12 minor-version compatibility), cu118 a 450+ one.
 */
export function chooseTorch(hw: Hardware, accelerator: Accelerator = 'auto'): TorchChoice {
  const cpu = (note: string | null): TorchChoice =>
    hw.platform === 'darwin' ? { indexUrl: null, label: 'CPU only', note } : { indexUrl: `${PYTORCH_INDEX}/cpu`, label: 'CPU only', note };
  if (accelerator === 'cpu') return cpu(null);
  if (hw.platform === 'darwin') {
    return hw.arch === 'arm64' ? { indexUrl: null, label: 'Apple MPS', note: null } : cpu('Intel Macs have no GPU PyTorch can train on.');
  }
  if (accelerator === 'mps') return cpu('Apple MPS exists only on Apple silicon Macs: installing the CPU build.');
  if (hw.gpus.length === 0) {
    if (accelerator === 'cuda') return { indexUrl: `${PYTORCH_INDEX}/cu126`, label: 'CUDA 12.6', note: 'No NVIDIA GPU answered (nvidia-smi): installing the CUDA 12.6 build as asked.' };
    return cpu(null);
  }
  const driver = Math.min(...hw.gpus.map((g) => Number.parseInt(g.driver, 10) || 0));
  const blackwell = hw.gpus.some((g) => Number.parseFloat(g.computeCap) >= 10);
  if (driver >= 570) return { indexUrl: `${PYTORCH_INDEX}/cu128`, label: 'CUDA 12.8', note: null };
  if (blackwell) {
    return {
      indexUrl: `${PYTORCH_INDEX}/cu128`,
      label: 'CUDA 12.8',
      note: `${hw.gpus[0].name} needs CUDA 12.8, which needs NVIDIA driver 570 or newer (this one is ${hw.gpus[0].driver}): update the driver.`,
    };
  }
  if (driver >= 525) return { indexUrl: `${PYTORCH_INDEX}/cu126`, label: 'CUDA 12.6', note: null };
  if (driver >= 450) return { indexUrl: `${PYTORCH_INDEX}/cu118`, label: 'CUDA 11.8', note: 'An older NVIDIA driver: CUDA 11.8. A 570+ driver gets a newer PyTorch build.' };
  return cpu(`The NVIDIA driver (${hw.gpus[0].driver}) is too old for PyTorch's CUDA builds: update it to 525 or newer, then reinstall, to train on the GPU.`);
}

/** The default steps: pip itself, PyTorch for this hardware, then Ultralytics and ONNX. */
export function defaultInstallSteps(torch: TorchChoice, mode: 'install' | 'reinstall' | 'recreate'): InstallStep[] {
  const index = torch.indexUrl ? ['--index-url', torch.indexUrl] : [];
  // Reinstalling is for a PyTorch that no longer fits (a new GPU or driver): force that one.
  const force = mode === 'reinstall' ? ['--force-reinstall'] : [];
  return [
    { title: 'Updating pip', args: ['install', '--upgrade', 'pip'] },
    { title: `Installing PyTorch (${torch.label})`, args: ['install', '--upgrade', ...force, 'torch', 'torchvision', ...index] },
    { title: 'Installing Ultralytics and ONNX', args: ['install', '--upgrade', 'ultralytics', 'onnx'] },
  ];
}

export function venvPython(venvDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

/** An environment for pip and venv without the caller's PYTHONPATH, which could leak other packages in. */
export function cleanPythonEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', PIP_NO_INPUT: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  delete env.VIRTUAL_ENV;
  return env;
}

interface BasePython {
  /** The command and the arguments before the script's own (`py -3` on Windows). */
  command: string;
  args: string[];
  version: string;
  executable: string;
}

const PROBE = 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)';

function probePython(command: string, args: string[]): Promise<BasePython | { error: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args, '-c', PROBE], { timeout: 20_000, windowsHide: true, encoding: 'utf8', env: cleanPythonEnv() }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'it is not executable' : (stderr.trim().split('\n').pop() ?? err.message);
        resolve({ error: why });
        return;
      }
      const [version, executable] = stdout.trim().split(/\r?\n/);
      if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) resolve({ error: `it did not answer like Python (${stdout.trim().slice(0, 80)})` });
      else resolve({ command, args, version, executable: executable ?? command });
    });
  });
}

function oldEnough(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

const MIN_TEXT = `${MIN_PYTHON[0]}.${MIN_PYTHON[1]}`;

/**
 * The Python that creates the venv: the one given, else `python3` or `python` on the PATH
 * (`py -3` on Windows), the first that is new enough.
 *
 * @throws StudioError `not_found` when there is none, saying what to install
 */
export async function findBasePython(given?: string): Promise<BasePython> {
  if (given) {
    const found = await probePython(given, []);
    if ('error' in found) throw new StudioError('not_found', `The Python at ${given} cannot be used: ${found.error}. Choose another Python ${MIN_TEXT} or newer.`);
    if (!oldEnough(found.version)) {
      throw new StudioError('unsupported', `The Python at ${given} is version ${found.version}; the runtime needs ${MIN_TEXT} or newer. Install a newer Python, or choose another.`);
    }
    return found;
  }
  const candidates: [string, string[]][] = process.platform === 'win32' ? [['py', ['-3']], ['python', []], ['python3', []]] : [['python3', []], ['python', []]];
  const seen: string[] = [];
  for (const [command, args] of candidates) {
    const found = await probePython(command, args);
    if ('error' in found) continue;
    if (oldEnough(found.version)) return found;
    seen.push(`${found.executable} is ${found.version}`);
  }
  throw new StudioError(
    'not_found',
    `No Python ${MIN_TEXT} or newer was found on this computer${seen.length ? ` (${seen.join('; ')})` : ''}. ` +
      `Install Python ${MIN_TEXT}+ (python.org, or your package manager), or choose a Python to build the runtime with.`,
  );
}

interface CommandOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
  cancelled: boolean;
  spawnError: NodeJS.ErrnoException | null;
}

/**
 * Runs a command to its end, handing each output line (stdout and stderr alike) to `onLine`.
 * Aborting kills it (SIGTERM, then SIGKILL after 3 s).
 */
export function runStreaming(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; onLine?: (line: string) => void }): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const tail = new LogTail(60);
    const outcome: CommandOutcome = { code: null, signal: null, tail: [], cancelled: false, spawnError: null };
    const child = spawn(command, args, { env: options.env ?? cleanPythonEnv(), stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const onLine = (line: string) => {
      tail.note(line);
      if (line.trim()) options.onLine?.(line.trim());
    };
    const out = new LineSplitter(onLine);
    const err = new LineSplitter(onLine);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let killTimer: NodeJS.Timeout | null = null;
    const abort = () => {
      outcome.cancelled = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
    };
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => (outcome.spawnError = e as NodeJS.ErrnoException));
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', abort);
      out.end();
      err.end();
      outcome.code = code;
      outcome.signal = signal;
      outcome.tail = tail.last(12);
      resolve(outcome);
    });
  });
}

/** Whether a venv's Python exists and runs. */
export async function venvWorks(venvDir: string): Promise<boolean> {
  const python = venvPython(venvDir);
  if (!fs.existsSync(python)) return false;
  const found = await probePython(python, []);
  return !('error' in found);
}
