/** The runtime's error codes (`reticle_runtime/errors.py`) as the contract's. */
import type { ErrorCode, RuntimeErrorCode } from '@shared';

/**
 * The contract's error codes are the studio's own; the runtime's finer code survives in the
 * message and hint it sent, which say what to do.
 */
export const STUDIO_CODE: Readonly<Record<RuntimeErrorCode, ErrorCode>> = {
  usage: 'internal',
  invalid_spec: 'internal',
  invalid_hyperparameter: 'invalid_input',
  dataset_missing: 'not_found',
  dataset_invalid: 'invalid_input',
  weights_missing: 'not_found',
  weights_invalid: 'invalid_input',
  nothing_to_resume: 'invalid_input',
  device_not_found: 'not_found',
  multi_gpu_unsupported: 'unsupported',
  gpu_out_of_memory: 'unsupported',
  gpu_unsupported: 'unsupported',
  disk_full: 'disk_full',
  runtime_missing: 'unsupported',
  unsupported_format: 'unsupported',
  download_failed: 'io',
  interrupted: 'cancelled',
  internal: 'internal',
};
