/**
 * Library weights as auto-label runs them: exported to ONNX once, through the runtime, and the
 * export kept beside the `.pt` (recorded with the hash of the file it came from, so weights
 * replaced under the same name are exported again).
 */
import fs from 'node:fs';
import { StudioError } from '@shared';
import { exportWeights } from '../runtime/model-export.js';
import type { RuntimeManager } from '../runtime/runtime-manager.js';
import type { WeightsLibrary } from './weights-library.js';

/**
 * @returns the ONNX file of library weights `name`
 * @throws StudioError `not_found` for weights the library lacks (with the ways to get them),
 *   `unsupported` with no runtime, the export's own errors
 */
export async function weightsOnnx(library: WeightsLibrary, runtime: RuntimeManager, name: string, signal?: AbortSignal): Promise<string> {
  const entry = library.get(name);
  if (!entry) {
    throw new StudioError('not_found', `The weights library has no ${name}. Fetch it (reticle weights pull ${name}, or the Weights panel) or add a copy you have (reticle weights add PATH).`);
  }
  if (entry.onnx) return entry.onnx.path;
  const { python } = runtime.locate();
  if (!python) throw new StudioError('unsupported', `Auto-label from ${name} exports it to ONNX once, through the training runtime, and none is set up yet. Set it up first (Training → Runtime, or reticle runtime install).`);
  const release = library.claim(`${name}.onnx`);
  try {
    const again = library.get(name);
    if (again?.onnx) return again.onnx.path; // another process exported it meanwhile
    const artifact = await exportWeights({ python, runtimeDir: runtime.runtimeDir, env: runtime.baseEnv, weights: entry.path, format: 'onnx', cwd: library.dir, signal });
    library.recordOnnx(name, { path: artifact.path, bytes: fs.statSync(artifact.path).size });
    return artifact.path;
  } finally {
    release();
  }
}
