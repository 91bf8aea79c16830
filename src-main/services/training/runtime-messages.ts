/** The runtime's training messages as the contract shows them (EpochRecord, RunResults, errors). */
import type { ErrorCode, EpochRecord, RunResults, RuntimeEpoch, RuntimeErrorCode, RuntimeFinished } from '@shared';

export function epochRecord(m: RuntimeEpoch): EpochRecord {
  return {
    epoch: m.epoch,
    epochs: m.epochs,
    losses: m.losses,
    metrics: m.metrics,
    lr: m.lr,
    epochSeconds: m.epoch_seconds,
    elapsedSeconds: m.elapsed_seconds,
    etaSeconds: m.eta_seconds,
    t: m.t,
    partial: m.partial,
  };
}

export function runResults(m: RuntimeFinished): RunResults {
  return {
    metrics: m.metrics,
    perClass: m.per_class,
    confusion: m.confusion_matrix,
    stoppedEarly: m.stopped_early,
    stoppedByUser: m.stopped_by_user,
  };
}

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
