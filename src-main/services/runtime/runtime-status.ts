/**
 * What the runtime check tells the user: the `env` message turned into a RuntimeStatus, every
 * problem paired with something the user can do about it.
 */
import type { RuntimeEnv, RuntimeProblem, RuntimeStatus } from '@shared';
import { describeExit, type RuntimeCommandResult } from './runtime-process.js';

export type RuntimeSource = RuntimeStatus['source'];

/** Actions, in the words the UI shows on its buttons and the CLI prints. */
export const ACTIONS = {
  install: 'Install the runtime.',
  reinstall: 'Install the runtime again.',
  recreate: 'Recreate the runtime.',
  choosePython: 'Choose another Python (one that can import ultralytics), or go back to the managed runtime.',
  fixEnv: 'Fix ULTRALYTICS_PYTHON (it must name a Python that can import ultralytics), or unset it to use the managed runtime.',
  driver: 'Update the NVIDIA driver, then check again.',
  cpuStill: 'Training still works on the CPU, only slower.',
} as const;

/** The device `device: 'auto'` means: the first CUDA GPU that works, else Apple MPS, else the CPU. */
export function bestDevice(env: RuntimeEnv | null): string | null {
  if (!env) return null;
  const gpu = env.cuda?.devices.find((d) => d.works);
  if (gpu) return String(gpu.index);
  if (env.mps?.works) return 'mps';
  if (env.cpu?.works) return 'cpu';
  return null;
}

/** The action that fixes a missing package, by where the interpreter came from. */
function packageAction(source: RuntimeSource): string {
  if (source === 'managed') return ACTIONS.reinstall;
  if (source === 'env') return ACTIONS.fixEnv;
  return `Install the missing packages into that Python (pip install ultralytics onnx), or ${ACTIONS.choosePython.charAt(0).toLowerCase()}${ACTIONS.choosePython.slice(1)}`;
}

/** Pairs one of the runtime's problem sentences with an action. */
function problemFromRuntime(text: string, source: RuntimeSource): RuntimeProblem {
  const lowered = text.toLowerCase();
  if (/nvidia driver|no gpu answered/.test(lowered) && !/reinstall|install the runtime/.test(lowered)) return { message: text, action: ACTIONS.driver };
  if (/no kernel image|cannot run pytorch|no cuda support|reinstall the runtime/.test(lowered)) {
    return { message: text, action: source === 'managed' ? ACTIONS.reinstall : `${packageAction(source)} ${ACTIONS.cpuStill}` };
  }
  return { message: text, action: packageAction(source) };
}

/** The status for an interpreter that answered `env`. */
export function statusFromEnv(python: string, source: RuntimeSource, env: RuntimeEnv): RuntimeStatus {
  const problems = env.problems.map((p) => problemFromRuntime(p, source));
  const device = bestDevice(env);
  return {
    ready: env.torch !== null && env.ultralytics !== null && device !== null,
    python,
    source,
    env,
    problems,
    bestDevice: device,
  };
}

/** The status when there is no interpreter to ask. */
export function noRuntimeStatus(): RuntimeStatus {
  return {
    ready: false,
    python: null,
    source: 'none',
    env: null,
    problems: [{ message: 'No Python runtime for training is set up yet.', action: `${ACTIONS.install} Or choose an existing Python that has Ultralytics.` }],
    bestDevice: null,
  };
}

/** The status when the interpreter could not start, or ended without an `env` message. */
export function brokenStatus(python: string, source: RuntimeSource, result: RuntimeCommandResult, timeoutMs: number): RuntimeStatus {
  const action = source === 'managed' ? ACTIONS.recreate : source === 'env' ? ACTIONS.fixEnv : ACTIONS.choosePython;
  let message: string;
  if (result.spawnError) {
    const code = result.spawnError.code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'it is not executable' : result.spawnError.message;
    message =
      source === 'managed'
        ? `The managed runtime is damaged: its Python (${python}) cannot be started, because ${why}.`
        : `The Python at ${python} cannot be started, because ${why}.`;
  } else if (result.timedOut) {
    message = `The runtime did not answer within ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s (${python}): it may be stuck importing PyTorch or waking a GPU. Check again; if it keeps happening, recreate the runtime.`;
  } else {
    const error = result.messages.find((m) => m.type === 'error');
    const last = result.stderr.last(3).join(' · ');
    message =
      error && error.type === 'error'
        ? `The runtime check failed: ${error.message}`
        : `The runtime check failed: ${describeExit(result.code, result.signal)} without reporting the environment${last ? ` (${last})` : ''}.`;
  }
  return { ready: false, python, source, env: null, problems: [{ message, action }], bestDevice: null };
}
