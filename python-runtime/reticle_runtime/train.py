"""`train --spec FILE.json`: runs `YOLO(model).train(...)` and reports it as protocol messages.

The spec is parsed and checked in `spec.py`; the callbacks that report the run and apply a stop
request, and why a run stops the way it does, are in `callbacks.py`; a run on several GPUs goes
through `ddp.py`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from . import ddp, offline, protocol
from .callbacks import StopRequest, events_for
from .errors import RuntimeFailure, torch_write_failure
from .protocol import log
from .spec import TrainSpec, gpu_count, is_multi_gpu, load_spec


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
    # No pip installs and no downloads behind the user's back (offline.py says why and how).
    offline.before_import()
    from ultralytics import YOLO  # noqa: PLC0415 - heavy, and absent where only `env` runs

    offline.after_import()

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

    if is_multi_gpu(spec.device):
        return _run_multi_gpu(spec, model, label, stop, emit)
    events = events_for(emit, stop, spec, label)
    events.attach(model)
    _train(model, train_arguments(spec))
    if events.result is None:
        raise RuntimeFailure("internal", "Training ended without reporting its results.", "See the runtime log.")
    emit(events.result)
    return 0


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
    log(f"training on {gpu_count(spec.device)} GPUs ({spec.device}); Ultralytics starts one process per GPU")
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
