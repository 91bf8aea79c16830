"""`train --spec FILE.json`: runs `YOLO(model).train(...)` and reports it as protocol messages.

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

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import ddp, protocol
from .errors import RuntimeFailure

# Keys the spec sets through its own fields; hyperparameters may not set them a second way.
RESERVED_KEYS = frozenset({"data", "model", "epochs", "imgsz", "batch", "device", "project", "name", "resume", "exist_ok", "mode", "task", "save_dir"})
PROGRESS_INTERVAL_SECONDS = 0.25  # at most ~4 progress lines a second
CONFUSION_MATRIX_MAX_CLASSES = 300  # beyond this the matrix would make a multi-megabyte line
FITNESS_COLUMN = "metrics/mAP50-95(B)"  # DetMetrics.fitness() weighs mAP50-95 alone
RESUMABLE_COPY = "last-resumable.pt"


def log(message: str) -> None:
    print(f"[reticle] {message}", file=sys.stderr, flush=True)


@dataclass
class TrainSpec:
    """What the studio asks for; see `src-shared/runtime-protocol.ts` for the JSON form."""

    data: str
    model: str | None
    epochs: int
    imgsz: int
    batch: int
    device: str
    project: str
    name: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    resume: bool = False
    stop_file: str | None = None

    @property
    def run_dir(self) -> Path:
        return Path(self.project) / self.name

    @property
    def last_weights(self) -> Path:
        return self.run_dir / "weights" / "last.pt"


def _invalid(message: str) -> RuntimeFailure:
    return RuntimeFailure("invalid_spec", message, "This is a bug in the studio: please report it with the runtime log.")


def parse_spec(raw: Any) -> TrainSpec:
    """Checks the spec's shape before anything slow starts, so a bad spec fails in milliseconds."""
    if not isinstance(raw, dict):
        raise _invalid("The training spec is not a JSON object.")

    def need(key: str, kind: type | tuple[type, ...], optional: bool = False) -> Any:
        value = raw.get(key)
        if value is None and optional:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; `"epochs": true` is still a wrong type.
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise _invalid(f"The training spec's '{key}' is missing or has the wrong type.")
        return value

    resume = bool(need("resume", bool, optional=True) or False)
    spec = TrainSpec(
        data=need("data", str),
        model=need("model", str, optional=resume),
        epochs=need("epochs", int),
        imgsz=need("imgsz", int),
        batch=need("batch", int),
        device=str(need("device", (str, int))).strip().lower(),
        project=need("project", str),
        name=need("name", str),
        hyperparameters=need("hyperparameters", dict, optional=True) or {},
        resume=resume,
        stop_file=need("stop_file", str, optional=True),
    )
    if spec.epochs < 1:
        raise _invalid("epochs must be at least 1.")
    if spec.imgsz < 32:
        raise _invalid("imgsz must be at least 32.")
    if spec.batch == 0 or spec.batch < -1:
        raise _invalid("batch must be a positive number, or -1 to pick one automatically.")
    if not re.fullmatch(r"cpu|mps|\d+(,\d+)*", spec.device):
        raise _invalid(f"device '{spec.device}' is not cpu, mps or a GPU number.")
    if len(set(spec.device.split(","))) != len(spec.device.split(",")):
        raise _invalid(f"device '{spec.device}' names a GPU twice.")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", spec.name) or spec.name in {".", ".."}:
        raise _invalid(f"run name '{spec.name}' must be letters, digits, '.', '_' or '-'.")
    for key in ("data", "project"):
        if not os.path.isabs(getattr(spec, key)):
            raise _invalid(f"The training spec's '{key}' must be an absolute path.")
    if ddp.is_multi_gpu(spec.device) and spec.batch == -1:
        raise RuntimeFailure(
            "invalid_hyperparameter",
            f"An automatic batch size does not work when training on several GPUs ({spec.device}).",
            f"Set a batch size, a multiple of the number of GPUs (for example {8 * ddp.gpu_count(spec.device)}).",
        )
    clash = sorted(RESERVED_KEYS & set(spec.hyperparameters))
    if clash:
        raise _invalid(f"hyperparameters may not set {', '.join(clash)}: the spec has its own fields for them.")
    return spec


def load_spec(path: str) -> TrainSpec:
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise _invalid(f"The training spec file {path} does not exist.") from None
    except (OSError, ValueError) as exc:
        raise _invalid(f"The training spec file {path} cannot be read as JSON: {exc}") from None
    return parse_spec(raw)


def train_arguments(spec: TrainSpec) -> dict[str, Any]:
    """The keyword arguments for `YOLO.train()`. Defaults first, the user's hyperparameters over
    them (a user may turn plots back on), the spec's own fields last."""
    on_cpu = spec.device in {"cpu", "mps"}
    defaults: dict[str, Any] = {
        "plots": False,  # plotting wants to download a font, and the studio draws its own charts
        "verbose": True,  # goes to stderr, the runtime log
        "workers": 0 if on_cpu else min(8, max(1, (os.cpu_count() or 2) // 2)),
    }
    if on_cpu:
        defaults["amp"] = False  # AMP is CUDA-only; skip Ultralytics' AMP check on CPU and MPS
    fixed: dict[str, Any] = {
        "data": spec.data,
        "epochs": spec.epochs,
        "imgsz": spec.imgsz,
        "batch": spec.batch,
        "device": spec.device,
        "project": spec.project,
        "name": spec.name,
        "exist_ok": True,  # the studio names runs; reuse the folder rather than make run-id2
    }
    if spec.resume:
        fixed["resume"] = True
    return {**defaults, **spec.hyperparameters, **fixed}


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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def class_names(names: Any) -> list[str]:
    """Ultralytics keeps names as {0: 'cat', 1: 'dog'}; the protocol sends them in index order."""
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names)]
    return [str(n) for n in _as_list(names)]


def per_class_results(validator: Any, names: list[str]) -> list[dict[str, Any]]:
    """AP50, AP50-95, precision and recall per class from the validator's `DetMetrics`.

    `box.ap50`, `box.ap`, `box.p` and `box.r` are aligned with `box.ap_class_index` (only the
    classes present in the validation set); `nt_per_class` is indexed by class id. Classes the
    validation set lacks get nulls rather than a misleading 0.
    """
    metrics = getattr(validator, "metrics", None)
    box = getattr(metrics, "box", None)
    index = [int(i) for i in _as_list(getattr(box, "ap_class_index", None))]
    ap50, ap, p, r = (_as_list(getattr(box, key, None)) for key in ("ap50", "ap", "p", "r"))
    counts = _as_list(getattr(metrics, "nt_per_class", None))
    results = []
    for c, name in enumerate(names):
        i = index.index(c) if c in index else None

        def at(values: list[Any]) -> float | None:
            return _float(values[i]) if i is not None and i < len(values) else None

        results.append(
            protocol.class_result(
                index=c,
                name=name,
                instances=int(counts[c]) if c < len(counts) else None,
                ap50=at(ap50),
                ap50_95=at(ap),
                precision=at(p),
                recall=at(r),
            )
        )
    return results


def confusion_matrix(validator: Any, names: list[str]) -> dict[str, Any] | None:
    """Ultralytics' detection matrix is (nc+1)x(nc+1), `matrix[predicted][true]`, with the last
    row and column for background (missed objects and false detections)."""
    cm = getattr(validator, "confusion_matrix", None)
    rows = [[int(round(float(x))) for x in _as_list(row)] for row in _as_list(getattr(cm, "matrix", None))]
    if not rows or len(names) > CONFUSION_MATRIX_MAX_CLASSES:
        return None
    labels = [*names, "background"]
    if len(rows) != len(labels) or any(len(row) != len(labels) for row in rows):
        return None
    return {"names": labels, "matrix": rows}


def best_epoch_from_results(csv_path: Path) -> int | None:
    """The epoch with the highest fitness across the whole run, resumed parts included: results.csv
    keeps every epoch, where the trainer's own `EarlyStopping.best_epoch` restarts on resume."""
    try:
        with open(csv_path, newline="", encoding="utf-8") as f:
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]
    except OSError:
        return None
    best: tuple[float, int] | None = None
    for row in rows:
        fitness, epoch = _float(row.get(FITNESS_COLUMN)), _float(row.get("epoch"))
        if fitness is None or epoch is None:
            continue
        if best is None or fitness > best[0]:
            best = (fitness, int(epoch))
    return best[1] if best else None


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
                fitness=_float(trainer.fitness),
                best_fitness=_float(trainer.best_fitness),
                is_best=bool(is_best),
                epoch_seconds=_float(getattr(trainer, "epoch_time", None)),
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
            best_fitness=_float(trainer.best_fitness),
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


# What torch's zip writer raises when a write fails (torch.save to a path, as final_eval's
# strip_optimizer does): a RuntimeError without an errno, observed with torch 1.13 on a full tmpfs
# as "PytorchStreamWriter failed writing file data/0: file write failed", then "unexpected pos".
_TORCH_WRITE_FAILED = re.compile(r"pytorchstreamwriter failed writing file|file write failed", re.IGNORECASE)


def torch_write_failure(exc: BaseException) -> RuntimeFailure | None:
    """A checkpoint torch could not write: on a full disk torch says only "file write failed",
    with no ENOSPC for `errors.describe` to recognise, so it is told apart here."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        if _TORCH_WRITE_FAILED.search(str(current)):
            return RuntimeFailure(
                "disk_full",
                "The weights could not be written (PyTorch: file write failed): the disk is most likely full.",
                "Free some disk space (a run needs room for its weights and results), then resume the run.",
            )
        current = current.__cause__ or current.__context__
    return None


def _check_inputs(spec: TrainSpec) -> None:
    """Fails fast, with the user's own paths in the message, on what Ultralytics would report late
    and wrapped (or, for a missing .pt, try to download from GitHub)."""
    # Detection trains on a data.yaml; classification on a folder of train/val/<class>/ images.
    if not (os.path.isfile(spec.data) or os.path.isdir(spec.data)):
        raise RuntimeFailure(
            "dataset_missing",
            f"The dataset {spec.data} does not exist.",
            "Export the dataset again, or pick another data.yaml.",
        )
    if spec.resume:
        if not spec.last_weights.is_file():
            raise RuntimeFailure(
                "nothing_to_resume",
                f"There is no run to resume: {spec.last_weights} does not exist.",
                "Start a new run instead.",
            )
    elif spec.model and spec.model.endswith(".pt") and (os.path.isabs(spec.model) or os.sep in spec.model) and not os.path.isfile(spec.model):
        raise RuntimeFailure("weights_missing", f"The weights file {spec.model} does not exist.", "Pick another model to start from.")


def run(spec_path: str, emit: protocol.Emit) -> int:
    spec = load_spec(spec_path)
    stop = StopRequest(spec.stop_file)
    stop.clear_stale_file()
    stop.install_signal_handlers()
    _check_inputs(spec)
    # No pip installs behind the user's back: the studio provisions this environment itself,
    # and an offline machine would hang on them. Must be set before ultralytics is imported.
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    from ultralytics import YOLO  # noqa: PLC0415 - heavy, and absent where only `env` runs

    if spec.resume:
        model = YOLO(str(spec.last_weights))
        ckpt = getattr(model, "ckpt", None) or {}
        # The same test Model.train() applies before it quietly starts over instead of resuming.
        if ckpt.get("epoch", -1) < 0 or ckpt.get("optimizer") is None:
            raise RuntimeFailure(
                "nothing_to_resume",
                "This run finished, so its last.pt keeps no training state to resume from.",
                "Start a new run (from its best.pt to keep what it learned).",
            )
        label = str(spec.last_weights)
    else:
        model = YOLO(spec.model)
        label = str(spec.model)

    if ddp.is_multi_gpu(spec.device):
        return _run_multi_gpu(spec, model, label, stop, emit)
    events = events_for(emit, stop, spec, label)
    events.attach(model)
    _train(model, train_arguments(spec))
    if events.result is None:
        raise RuntimeFailure("internal", "Training ended without reporting its results.", "See the runtime log.")
    emit(events.result)
    return 0


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
        stop_between_batches=not ddp.is_multi_gpu(spec.device),
    )


def _train(model: Any, arguments: dict[str, Any]) -> None:
    try:
        model.train(**arguments)
    except RuntimeError as exc:
        failure = torch_write_failure(exc)
        if failure is None:
            raise
        raise failure from exc


def _run_multi_gpu(spec: TrainSpec, model: Any, label: str, stop: StopRequest, emit: protocol.Emit) -> int:
    """Several GPUs: Ultralytics trains in processes of its own; see ddp.py for how they report."""
    trainer = ddp.trainer_for(str(getattr(model, "task", "detect")))
    log(f"training on {ddp.gpu_count(spec.device)} GPUs ({spec.device}); Ultralytics starts one process per GPU")
    with ddp.Launch(spec, label, emit, package_root=Path(__file__).resolve().parent.parent) as launch:
        stop.stop_file = launch.stop_file
        stop.write_file_on_signal = True
        try:
            _train(model, {**train_arguments(spec), "trainer": trainer})
        except subprocess.CalledProcessError as exc:
            # A GPU process failed: rank 0 may have said why before it ended.
            launch.relay.stop()
            raise launch.failure(exc) from exc
        launch.relay.stop()
        emit(launch.result())
    return 0
