"""A run's Ultralytics callbacks: `TrainingEvents` turns training into protocol messages (started,
throttled progress, epochs, checkpoints, the final result), and `StopRequest` is the stop flag
they apply. The same callbacks run in a one-GPU run and in a multi-GPU run's rank-0 process.

How stopping works in Ultralytics 8.4 (read from `ultralytics/engine/trainer.py`,
`BaseTrainer._do_train`), and why this module stops the way it does:

* After every batch the loop runs the `on_train_batch_end` callbacks and then checks
  `if self.stop: break` ("allow external stop (e.g. platform cancellation) between batches").
* After the batch loop it validates when `self.args.val or final_epoch or ... or self.stop`,
  so a stopped epoch is always validated; it then calls `save_model()` (last.pt, and best.pt when
  this epoch has the best fitness), runs `on_fit_epoch_end`, and leaves the epoch loop on
  `if self.stop: break`. After the loop, `final_eval()` validates best.pt and
  `on_train_end` fires.
* `self.stop` is reset to False in `_setup_train()`, and it is also where early stopping
  (`EarlyStopping`, `patience`) and the time limit (`args.time`) end a run.

So a stop request (the stop file appearing, or SIGINT/SIGTERM, whose handler only sets a flag)
becomes `trainer.stop = True` in the batch callback, or in on_fit_epoch_end when it came during
validation, and the run ends
through the trainer's own path: the current epoch is cut short, validated, saved, and best.pt gets
its final validation. The alternatives are worse: a KeyboardInterrupt skips validation, saving and
final_eval (last.pt is then whatever the previous epoch saved); `args.time` is a time budget that
is only checked after optimizer steps and at epoch ends, so shrinking it ends the run through the
same path, later and less directly.

One catch: `final_eval()` runs `strip_optimizer(last.pt)`, which drops the optimizer state and
sets its epoch to -1, and `Model.train(resume=True)` then silently starts a new run instead of
resuming ("is not a resumable training checkpoint"). A run stopped by the user should be
resumable, so when a stop request ends the loop this module copies last.pt aside right after the
trainer saved it (before `final_eval`), and puts the copy back in `on_train_end`.

A second catch: `DetectionValidator` only fills its confusion matrix when `args.plots` is on,
and plots stay off during training (they cost time, and the studio draws its own charts). The
callbacks switch `trainer.args.plots` on once the loop is ending, which `final_eval()` copies to
the validator: the final validation of best.pt then fills the matrix (and writes Ultralytics'
own PR-curve and confusion-matrix PNGs into the run folder, a few seconds on a small run).
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any, Callable

from . import protocol
from .protocol import log
from .results import as_float, best_epoch_from_results, class_names, confusion_matrix, per_class_results
from .spec import TrainSpec, is_multi_gpu

PROGRESS_INTERVAL_SECONDS = 0.25  # at most ~4 progress lines a second
RESUMABLE_COPY = "last-resumable.pt"


class StopRequest:
    """A polite stop: the stop file appearing, or SIGINT/SIGTERM. It never interrupts anything
    itself; `TrainingEvents` turns it into `trainer.stop = True` in its own callbacks, so that the
    callbacks always know the run is ending (to keep last.pt resumable, to report it). Setting
    `trainer.stop` straight from the signal handler would race: a signal landing between
    on_fit_epoch_end and the loop's `if self.stop: break` would end the run unnoticed.
    A second signal is the impatient kind and raises KeyboardInterrupt."""

    def __init__(self, stop_file: str | None, *, write_file_on_signal: bool = False):
        self.stop_file = Path(stop_file) if stop_file else None
        # A multi-GPU run's parent passes a signal on this way: the process that trains watches
        # the file (see ddp.py).
        self.write_file_on_signal = write_file_on_signal
        self._requested = False
        self._signals = 0

    def clear_stale_file(self) -> None:
        """A stop file left from an earlier run (the studio may reuse the path on resume) would
        stop this one at its first batch."""
        if self.stop_file is not None and self.stop_file.exists():
            log(f"removing a stale stop file {self.stop_file}")
            self.stop_file.unlink()

    def install_signal_handlers(self) -> None:
        for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
            signum = getattr(signal, name, None)
            if signum is not None:
                signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        # Only set flags here: writing to the protocol stream from a signal handler could
        # interleave with a half-written line.
        self._signals += 1
        if self._signals > 1:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        self._requested = True
        if self.write_file_on_signal and self.stop_file is not None:
            try:
                self.stop_file.write_text("stop requested by a signal\n", encoding="utf-8")
            except OSError:
                pass

    def request(self) -> None:
        self._requested = True

    @property
    def requested(self) -> bool:
        if not self._requested and self.stop_file is not None and self.stop_file.exists():
            self._requested = True
        return self._requested


class TrainingEvents:
    """Ultralytics trainer callbacks that turn training into protocol messages.

    It only reads trainer attributes, plus `trainer.stop` to stop, so it can be driven by a fake
    trainer in unit tests. Callback order in the real trainer, per epoch: on_train_epoch_start,
    on_train_batch_end (each batch), on_train_epoch_end, validation, on_model_save, on_fit_epoch_end;
    after the last epoch `final_eval()` calls on_fit_epoch_end once more (with epoch + 1, metrics of
    best.pt), then on_train_end. That extra call is told apart by having no epoch pending.
    """

    CALLBACKS = (
        "on_train_start",
        "on_train_epoch_start",
        "on_train_batch_end",
        "on_train_epoch_end",
        "on_model_save",
        "on_fit_epoch_end",
        "on_train_end",
    )

    def __init__(
        self,
        emit: protocol.Emit,
        stop: StopRequest,
        *,
        model_label: str,
        requested_device: str,
        resumed: bool,
        clock: Callable[[], float] = time.time,
        progress_interval: float = PROGRESS_INTERVAL_SECONDS,
        confusion_matrix: bool = True,
        stop_between_batches: bool = True,
    ):
        self.emit = emit
        self.stop = stop
        self.model_label = model_label
        self.requested_device = requested_device
        self.resumed = resumed
        self.clock = clock
        self.progress_interval = progress_interval
        self.want_confusion_matrix = confusion_matrix
        # Off in a multi-GPU run: a stop set between batches ends the batch loop on rank 0 alone,
        # and the other ranks would wait in the next batch's all-reduce for ever. There the stop
        # is set at the epoch's end, which Ultralytics broadcasts to every rank.
        self.stop_between_batches = stop_between_batches
        self.result: protocol.Message | None = None
        self._t0 = clock()
        self._start_epoch = 0
        self._batch = 0
        self._last_progress = float("-inf")
        self._pending_epoch: int | None = None
        self._partial = False
        self._pending_checkpoint: protocol.Message | None = None
        self._last_epoch = 0  # 1-based index of the last epoch reported
        self._best_epoch_seen: int | None = None
        self._last_metrics: dict[str, Any] = {}
        self._final_metrics: dict[str, Any] | None = None
        self._stopped_by_user = False
        self._resumable_copy: Path | None = None

    def attach(self, model: Any) -> None:
        for name in self.CALLBACKS:
            model.add_callback(name, getattr(self, name))

    # --- helpers ---

    def _apply_stop(self, trainer: Any) -> None:
        if self.stop.requested and not getattr(trainer, "stop", False):
            log("stop requested: finishing this epoch early, validating and saving")
        if self.stop.requested:
            trainer.stop = True
            self._stopped_by_user = True

    @staticmethod
    def _losses(trainer: Any) -> dict[str, Any]:
        if getattr(trainer, "tloss", None) is None:
            return {}
        return dict(trainer.label_loss_items(trainer.tloss, prefix="train"))

    @staticmethod
    def _device_name(device: Any) -> str | None:
        if getattr(device, "type", None) != "cuda":
            return None
        try:
            import torch  # noqa: PLC0415 - only ever reached with torch loaded

            return str(torch.cuda.get_device_name(device))
        except Exception:  # noqa: BLE001 - a name is nice to have, never worth failing for
            return None

    # --- callbacks ---

    def on_train_start(self, trainer: Any) -> None:
        self._t0 = self.clock()
        self._start_epoch = int(trainer.start_epoch)
        test_loader = getattr(trainer, "test_loader", None)
        self.emit(
            protocol.started(
                run_dir=str(trainer.save_dir),
                model=self.model_label,
                data=str(trainer.args.data),
                device=str(trainer.device),
                device_name=self._device_name(trainer.device),
                requested_device=self.requested_device,
                epochs=int(trainer.epochs),
                start_epoch=self._start_epoch + 1,
                resumed=self.resumed,
                batch=int(trainer.batch_size),
                batches=len(trainer.train_loader),
                imgsz=int(trainer.args.imgsz),
                train_images=len(trainer.train_loader.dataset),
                val_images=len(test_loader.dataset) if test_loader is not None else 0,
                classes=class_names(trainer.data["names"]),
            )
        )

    def on_train_epoch_start(self, trainer: Any) -> None:
        self._batch = 0  # also after an out-of-memory retry, which restarts the epoch

    def on_train_batch_end(self, trainer: Any) -> None:
        self._batch += 1
        if self.stop_between_batches:
            self._apply_stop(trainer)
        now = self.clock()
        if now - self._last_progress < self.progress_interval:
            return
        self._last_progress = now
        self.emit(
            protocol.progress(
                epoch=int(trainer.epoch) + 1,
                epochs=int(trainer.epochs),
                batch=self._batch,
                batches=len(trainer.train_loader),
                losses=self._losses(trainer),
            )
        )

    def on_train_epoch_end(self, trainer: Any) -> None:
        self._pending_epoch = int(trainer.epoch)
        self._partial = self._batch < len(trainer.train_loader)

    def on_model_save(self, trainer: Any) -> None:
        is_best = trainer.best_fitness is not None and trainer.best_fitness == trainer.fitness  # as save_model() decides
        self._pending_checkpoint = protocol.checkpoint(
            epoch=int(trainer.epoch) + 1,
            path=str(trainer.last),
            best_path=str(trainer.best) if is_best else None,
            is_best=bool(is_best),
        )

    def on_fit_epoch_end(self, trainer: Any) -> None:
        if self._pending_epoch is None:
            # final_eval(): the metrics of best.pt, validated once more after the last epoch.
            self._final_metrics = dict(trainer.metrics or {})
            return
        index, self._pending_epoch = self._pending_epoch + 1, None
        self._apply_stop(trainer)  # a stop file that appeared during validation ends the run here
        if self._stopped_by_user and trainer.stop and index < int(trainer.epochs):
            self._keep_resumable_copy(trainer)

        now = self.clock()
        elapsed = now - self._t0
        done_here = max(1, index - self._start_epoch)
        remaining = 0 if trainer.stop else max(0, int(trainer.epochs) - index)
        is_best = trainer.fitness is not None and trainer.best_fitness == trainer.fitness
        if is_best:
            self._best_epoch_seen = index
        self._last_epoch = index
        self._last_metrics = dict(trainer.metrics or {})
        self.emit(
            protocol.epoch(
                epoch=index,
                epochs=int(trainer.epochs),
                partial=self._partial,
                losses=self._losses(trainer),
                metrics=self._last_metrics,
                lr=dict(getattr(trainer, "lr", None) or {}),
                fitness=as_float(trainer.fitness),
                best_fitness=as_float(trainer.best_fitness),
                is_best=bool(is_best),
                epoch_seconds=as_float(getattr(trainer, "epoch_time", None)),
                elapsed_seconds=round(elapsed, 3),
                eta_seconds=round(elapsed / done_here * remaining, 1),
                t=now,
            )
        )
        if self._pending_checkpoint is not None:
            self.emit(self._pending_checkpoint)
            self._pending_checkpoint = None
        if trainer.stop and self.want_confusion_matrix:
            # The loop ends after this callback. DetectionValidator only fills its confusion
            # matrix when `args.plots` is on, and final_eval() copies `trainer.args.plots` onto
            # the validator; so plots go on for the final validation of best.pt alone, keeping
            # the per-batch plotting cost out of training.
            trainer.args.plots = True
            _draw_nothing(trainer)

    def _keep_resumable_copy(self, trainer: Any) -> None:
        last = Path(trainer.last)
        if not last.exists():
            return
        copy = last.with_name(RESUMABLE_COPY)
        shutil.copyfile(last, copy)
        self._resumable_copy = copy

    def on_train_end(self, trainer: Any) -> None:
        last, best, results_csv = Path(trainer.last), Path(trainer.best), Path(trainer.csv)
        resumable = False
        if self._resumable_copy is not None and self._resumable_copy.exists():
            os.replace(self._resumable_copy, last)  # undo final_eval's strip_optimizer(last.pt)
            resumable = True
        names = class_names(trainer.data["names"])
        validator = getattr(trainer, "validator", None)
        epochs = int(trainer.epochs)
        completed = self._last_epoch
        # A stop that arrived after the last batch of the last epoch stopped nothing.
        by_user = self._stopped_by_user and (completed < epochs or self._partial)
        self.result = protocol.finished(
            run_dir=str(trainer.save_dir),
            epochs=epochs,
            epochs_completed=completed,
            best_epoch=best_epoch_from_results(results_csv) or self._best_epoch_seen,
            best_fitness=as_float(trainer.best_fitness),
            metrics=self._final_metrics if self._final_metrics is not None else self._last_metrics,
            per_class=per_class_results(validator, names),
            # Only the final validation (of best.pt) filled the matrix; without it, it is all zeros.
            confusion_matrix=confusion_matrix(validator, names) if self.want_confusion_matrix and self._final_metrics is not None else None,
            artifacts=protocol.artifacts(
                best=str(best) if best.exists() else None,
                last=str(last) if last.exists() else None,
                results_csv=str(results_csv) if results_csv.exists() else None,
            ),
            stopped_early=not by_user and completed < epochs,
            stopped_by_user=by_user,
            resumable=resumable and completed < epochs,
            elapsed_seconds=round(self.clock() - self._t0, 3),
        )


def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


def _draw_nothing(trainer: Any) -> None:
    """Keeps what `args.plots` computes (the confusion matrix) and skips what it draws.

    With plots on, Ultralytics' final validation also renders PNGs: sample batches, the
    confusion matrix twice, and the PR/F1/P/R curves. On a CPU that costs seconds per run, and
    the studio draws its own charts from the numbers. The drawing calls are made no-ops for this
    process only; the numbers are computed exactly as before.
    """
    try:
        from ultralytics.utils import metrics  # noqa: PLC0415 - only present where training runs
    except ImportError:
        return
    for name in ("plot_pr_curve", "plot_mc_curve"):
        if hasattr(metrics, name):
            setattr(metrics, name, _noop)
    matrix_class = getattr(metrics, "ConfusionMatrix", None)
    if matrix_class is not None and hasattr(matrix_class, "plot"):
        matrix_class.plot = _noop
    validator = getattr(trainer, "validator", None)
    if validator is not None:
        for name in ("plot_val_samples", "plot_predictions"):
            if hasattr(validator, name):
                setattr(validator, name, _noop)


def events_for(emit: protocol.Emit, stop: StopRequest, spec: TrainSpec, model_label: str) -> TrainingEvents:
    """The callbacks of a run, the same in a one-GPU run and in a multi-GPU run's rank-0 process
    (except that there a stop waits for the epoch's end)."""
    return TrainingEvents(
        emit,
        stop,
        model_label=model_label,
        requested_device=spec.device,
        resumed=spec.resume,
        confusion_matrix=spec.hyperparameters.get("plots") is not False,
        stop_between_batches=not is_multi_gpu(spec.device),
    )
