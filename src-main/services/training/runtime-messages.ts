/** The runtime's training messages as the contract shows them (EpochRecord, RunResults, errors). */
import type { EpochRecord, RunResults, RuntimeEpoch, RuntimeFinished } from '@shared';

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
