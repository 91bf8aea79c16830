"""The wire protocol: one JSON object per stdout line, `{"v": 1, "type": ..., ...}`.

The studio's TypeScript side parses the same messages with zod (`src-shared/runtime-protocol.ts`)
and both sides test against the golden files in `tests/fixtures/runtime/`. Every message is built
by one constructor below, with keyword-only arguments, so that a message type always carries the
same keys: a missing key is a TypeError here rather than a parse failure in the app.

Stdout belongs to this module alone. `open_protocol_channel()` moves the process's file
descriptor 1 onto stderr and keeps a private duplicate for the protocol, so whatever else writes
to "stdout" (print() calls, Ultralytics' LOGGER and progress bars, C libraries, child processes)
lands in the log instead of corrupting the message stream.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import Any, Callable, Mapping, TextIO

from . import PROTOCOL_VERSION

Message = dict[str, Any]
Emit = Callable[[Message], None]


def clean(value: Any) -> Any:
    """Turns a value into plain JSON: numpy/torch scalars and arrays into numbers and lists, and
    NaN/inf into null, because `json.dumps` would write `NaN`, which no JSON parser accepts."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars, torch tensors
        return clean(value.tolist())
    if hasattr(value, "item"):
        return clean(value.item())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


class Channel:
    """Writes protocol messages to one text stream, a whole line at a time, from any thread."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        line = json.dumps(clean(message), ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    __call__ = send


def open_protocol_channel() -> Channel:
    """Claims stdout for the protocol and sends everything else that writes to fd 1 to stderr.

    Why at the descriptor level: `contextlib.redirect_stdout` only swaps `sys.stdout`, but
    Ultralytics binds its LOGGER handler to the stdout object at import time, TQDM keeps its own
    reference, and native code and subprocesses write to fd 1 directly.
    """
    protocol_fd = os.dup(1)
    sys.stdout.flush()
    os.dup2(2, 1)
    stream = os.fdopen(protocol_fd, "w", encoding="utf-8", newline="\n", buffering=1)
    # Line buffering for the log too, so the app sees log lines as they happen.
    try:
        sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    sys.stdout = sys.stderr
    return Channel(stream)


def log(message: str) -> None:
    """One line for the runtime log (stderr), never the protocol."""
    print(f"[reticle] {message}", file=sys.stderr, flush=True)


def _message(kind: str, **fields: Any) -> Message:
    return {"v": PROTOCOL_VERSION, "type": kind, **fields}


# --- message constructors, one per type -----------------------------------------------------


def version(*, runtime: str, python: str) -> Message:
    """The runtime's own version and the protocol it speaks."""
    return _message("version", runtime=runtime, protocol=PROTOCOL_VERSION, python=python)


def env(
    *,
    runtime: str,
    python: str,
    platform: str,
    torch: str | None,
    ultralytics: str | None,
    cuda: Message | None,
    mps: Message | None,
    cpu: Message | None,
    problems: list[str],
) -> Message:
    """What this Python environment can train on, each device proven by running a tensor op."""
    return _message(
        "env",
        runtime=runtime,
        python=python,
        platform=platform,
        torch=torch,
        ultralytics=ultralytics,
        cuda=cuda,
        mps=mps,
        cpu=cpu,
        problems=problems,
    )


def cuda_device(*, index: int, name: str, memory_bytes: int, capability: str, works: bool, error: str | None) -> Message:
    return {"index": index, "name": name, "memory_bytes": memory_bytes, "capability": capability, "works": works, "error": error}


def started(
    *,
    run_dir: str,
    model: str,
    data: str,
    device: str,
    device_name: str | None,
    requested_device: str,
    epochs: int,
    start_epoch: int,
    resumed: bool,
    batch: int,
    batches: int,
    imgsz: int,
    train_images: int,
    val_images: int,
    classes: list[str],
) -> Message:
    """Training set up and about to run its first batch. `start_epoch` is 1-based (> 1 on resume)."""
    return _message(
        "started",
        run_dir=run_dir,
        model=model,
        data=data,
        device=device,
        device_name=device_name,
        requested_device=requested_device,
        epochs=epochs,
        start_epoch=start_epoch,
        resumed=resumed,
        batch=batch,
        batches=batches,
        imgsz=imgsz,
        train_images=train_images,
        val_images=val_images,
        classes=classes,
    )


def progress(*, epoch: int, epochs: int, batch: int, batches: int, losses: Mapping[str, float]) -> Message:
    """Within an epoch: batch `batch` of `batches` done (both 1-based), running mean losses."""
    return _message("progress", epoch=epoch, epochs=epochs, batch=batch, batches=batches, losses=dict(losses))


def epoch(
    *,
    epoch: int,
    epochs: int,
    partial: bool,
    losses: Mapping[str, float],
    metrics: Mapping[str, float],
    lr: Mapping[str, float],
    fitness: float | None,
    best_fitness: float | None,
    is_best: bool,
    epoch_seconds: float | None,
    elapsed_seconds: float,
    eta_seconds: float | None,
    t: float,
) -> Message:
    """One epoch trained and validated. `partial` marks an epoch cut short by a stop request."""
    return _message(
        "epoch",
        epoch=epoch,
        epochs=epochs,
        partial=partial,
        losses=dict(losses),
        metrics=dict(metrics),
        lr=dict(lr),
        fitness=fitness,
        best_fitness=best_fitness,
        is_best=is_best,
        epoch_seconds=epoch_seconds,
        elapsed_seconds=elapsed_seconds,
        eta_seconds=eta_seconds,
        t=t,
    )


def checkpoint(*, epoch: int, path: str, best_path: str | None, is_best: bool) -> Message:
    """Weights written after `epoch`: last.pt at `path`, and best.pt at `best_path` when this
    epoch was the best so far (else null)."""
    return _message("checkpoint", epoch=epoch, path=path, best_path=best_path, is_best=is_best)


def finished(
    *,
    run_dir: str,
    epochs: int,
    epochs_completed: int,
    best_epoch: int | None,
    best_fitness: float | None,
    metrics: Mapping[str, float],
    per_class: list[Message],
    confusion_matrix: Message | None,
    artifacts: Message,
    stopped_early: bool,
    stopped_by_user: bool,
    resumable: bool,
    elapsed_seconds: float,
) -> Message:
    """The run ended cleanly (all epochs, early stopping, or a stop request) and its weights are saved."""
    return _message(
        "finished",
        run_dir=run_dir,
        epochs=epochs,
        epochs_completed=epochs_completed,
        best_epoch=best_epoch,
        best_fitness=best_fitness,
        metrics=dict(metrics),
        per_class=per_class,
        confusion_matrix=confusion_matrix,
        artifacts=artifacts,
        stopped_early=stopped_early,
        stopped_by_user=stopped_by_user,
        resumable=resumable,
        elapsed_seconds=elapsed_seconds,
    )


def class_result(
    *, index: int, name: str, instances: int | None, ap50: float | None, ap50_95: float | None, precision: float | None, recall: float | None
) -> Message:
    return {"class": name, "index": index, "instances": instances, "ap50": ap50, "ap50_95": ap50_95, "precision": precision, "recall": recall}


def artifacts(*, best: str | None, last: str | None, results_csv: str | None) -> Message:
    return {"best": best, "last": last, "results_csv": results_csv}


def exported(*, path: str, format: str, bytes: int, weights: str, seconds: float) -> Message:
    """An export written to `path` (a file, or a folder for formats that write one)."""
    return _message("exported", path=path, format=format, bytes=bytes, weights=weights, seconds=seconds)


def weights(*, path: str, task: str, names: list[str], bytes: int, parameters: int | None, imgsz: int | None) -> Message:
    """What a weights file is, once Ultralytics has loaded it: its task and class names."""
    return _message("weights", path=path, task=task, names=names, bytes=bytes, parameters=parameters, imgsz=imgsz)


def predicting(*, weights: str, task: str, names: list[str], device: str, images: int, batch: int, imgsz: int) -> Message:
    """`predict`: the weights are loaded on `device` ("cuda:0", "cpu"), and the `images` listed
    are about to be predicted, `batch` at a time."""
    return _message("predicting", weights=weights, task=task, names=names, device=device, images=images, batch=batch, imgsz=imgsz)


def prediction(
    *,
    path: str,
    width: int,
    height: int,
    boxes: list[list[float]] | None,
    top: list[list[float]] | None,
    speed: Mapping[str, float] | None,
    error: Message | None,
) -> Message:
    """One image, as listed: `boxes` (x1, y1, x2, y2, confidence, class, pixels of the image as
    displayed) for a detector, `top` ([class, probability], most probable first) for a classifier,
    Ultralytics' `speed` (ms per image); or `error` when the image could not be used (the others
    still are), with width and height 0."""
    return _message("prediction", path=path, width=width, height=height, boxes=boxes, top=top, speed=speed, error=error)


def image_error(*, code: str, message: str) -> Message:
    """Why one image was not predicted: `image_missing`, `image_unreadable` or `image_unsupported`."""
    return {"code": code, "message": message}


def predicted(*, images: int, failed: int, seconds: float, device: str, cancelled: bool) -> Message:
    """`predict` ended: `images` predicted, `failed` reported with an error, in `seconds` (loading
    the weights and predicting, not Python's start); `cancelled` after a stop signal."""
    return _message("predicted", images=images, failed=failed, seconds=seconds, device=device, cancelled=cancelled)


def error(*, code: str, message: str, hint: str | None) -> Message:
    """The command failed; `message` says what happened, `hint` what the user can do about it."""
    return _message("error", code=code, message=message, hint=hint)
