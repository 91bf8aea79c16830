/**
 * Asks the runtime what a weights file is (`python -m reticle_runtime inspect --weights F`):
 * Ultralytics loads it, and answers its task and class names, or that it is not a model.
 */
import { StudioError, type RuntimeWeightsInfo } from '@shared';
import { runRuntimeCommand, runtimeCommandFailure } from '../runtime/runtime-process.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';

const INSPECT_TIMEOUT_MS = 5 * 60_000;

/**
 * @throws StudioError `unsupported` with no runtime set up; `invalid_input` for a file that is
 *   not an Ultralytics model (the runtime's words); `io` when the runtime could not run
 */
export async function inspectWeights(runtime: RuntimeManager, file: string, signal?: AbortSignal): Promise<RuntimeWeightsInfo> {
  const { python } = runtime.locate();
  if (!python) {
    throw new StudioError(
      'unsupported',
      'The studio checks weights by loading them in its training runtime, and none is set up yet. Set it up first (Training → Runtime, or reticle runtime install), then try again.',
    );
  }
  const result = await runRuntimeCommand({ python, runtimeDir: runtime.runtimeDir, args: ['inspect', '--weights', file], env: runtime.baseEnv, timeoutMs: INSPECT_TIMEOUT_MS, signal });
  const info = result.messages.find((m) => m.type === 'weights');
  if (info && info.type === 'weights') return info;
  if (signal?.aborted) throw new StudioError('cancelled', 'The check of the weights was cancelled.');
  throw runtimeCommandFailure(result, `The runtime could not check ${file}`, 'io');
}
