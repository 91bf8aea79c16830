"""`inspect --weights FILE.pt`: loads a weights file as Ultralytics does and says what it is.

The studio accepts weights into its library only when this answers: a file that is whole, is a
model Ultralytics can load, and has a task and class names. A web page saved as `.pt`, a cut-off
download or a PyTorch file that is not an Ultralytics model is `weights_invalid`.

Loading a `.pt` runs Python pickle code inside it, as training from it would: the studio loads
only files the user chose to trust (the README says so).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import offline, protocol
from .errors import RuntimeFailure, tidy

TASKS = ("detect", "segment", "classify", "pose", "obb")


def _names(model: Any) -> list[str]:
    names = getattr(model, "names", None)
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names)]
    if isinstance(names, (list, tuple)):
        return [str(n) for n in names]
    raise RuntimeFailure("weights_invalid", "The model has no class names.", "It is not an Ultralytics YOLO model; pick another file.")


def _parameters(model: Any) -> int | None:
    try:
        return int(sum(p.numel() for p in model.model.parameters()))
    except Exception:  # noqa: BLE001 - the test double has no torch module; a count is a nicety
        return None


def _imgsz(model: Any) -> int | None:
    args = (getattr(model, "ckpt", None) or {}).get("train_args") or {}
    value = args.get("imgsz") if isinstance(args, dict) else getattr(args, "imgsz", None)
    return value if isinstance(value, int) else None


def run(weights: str, emit: protocol.Emit) -> int:
    path = Path(weights)
    if not path.is_file():
        raise RuntimeFailure("weights_missing", f"The weights file {weights} does not exist.", "Pick another file.")
    offline.before_import()
    from ultralytics import YOLO  # noqa: PLC0415

    offline.after_import()
    try:
        model = YOLO(str(path))
        task = str(getattr(model, "task", ""))
        names = _names(model)
    except RuntimeFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever fails to load is not a model we can use
        raise RuntimeFailure(
            "weights_invalid",
            f"{path.name} is not an Ultralytics model that loads here ({type(exc).__name__}: {tidy(str(exc), 160)}).",
            "The file may be cut short or something else saved as .pt: download it again, or pick another file.",
        ) from exc
    if task not in TASKS:
        raise RuntimeFailure("weights_invalid", f"{path.name} is a '{task}' model, which the studio does not train.", f"Use a model of one of: {', '.join(TASKS)}.")
    emit(protocol.weights(path=str(path.resolve()), task=task, names=names, bytes=os.path.getsize(path), parameters=_parameters(model), imgsz=_imgsz(model)))
    return 0
