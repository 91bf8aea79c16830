/**
 * Exports trained weights to another format (ONNX for the studio's own inference, and the others
 * Ultralytics writes) with `python -m reticle_runtime export`. The file lands beside the weights.
 * It needs no project: the caller records the artifact where it keeps its runs.
 */
import { StudioError, type ModelExportFormat, type RunArtifact } from '@shared';
import { runRuntimeCommand, runtimeCommandFailure } from './runtime-process.js';

const EXPORT_TIMEOUT_MS = 30 * 60_000;

interface ModelExportOptions {
  /** The runtime's Python interpreter. */
  python: string;
  /** The folder that holds the `reticle_runtime` package. */
  runtimeDir: string;
  env?: NodeJS.ProcessEnv;
  /** The `.pt` file to export. */
  weights: string;
  format: ModelExportFormat;
  /** Where the export process runs (the run folder). */
  cwd: string;
  /** Ends the export (the runtime process is killed). */
  signal?: AbortSignal;
}

/**
 * Runs the export to its end (30 minutes at most).
 *
 * @returns the exported file, as an artifact of the run
 * @throws StudioError the runtime's own error, or `internal` saying how the export ended
 */
export async function exportWeights(options: ModelExportOptions): Promise<RunArtifact> {
  const result = await runRuntimeCommand({
    python: options.python,
    runtimeDir: options.runtimeDir,
    args: ['export', '--weights', options.weights, '--format', options.format],
    env: options.env,
    cwd: options.cwd,
    timeoutMs: EXPORT_TIMEOUT_MS,
    signal: options.signal,
  });
  if (options.signal?.aborted) throw new StudioError('cancelled', `The ${options.format} export was cancelled.`);
  const exported = result.messages.find((m) => m.type === 'exported');
  if (exported && exported.type === 'exported') return { kind: options.format, path: exported.path, bytes: exported.bytes };
  throw runtimeCommandFailure(result, `The ${options.format} export failed`);
}
