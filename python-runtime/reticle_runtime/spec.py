"""The training spec: the JSON file `train --spec` reads, parsed and checked before anything slow
starts, so a bad spec fails in milliseconds. See `src-shared/runtime-protocol.ts` for its form."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import RuntimeFailure

# Keys the spec sets through its own fields; hyperparameters may not set them a second way.
RESERVED_KEYS = frozenset({"data", "model", "epochs", "imgsz", "batch", "device", "project", "name", "resume", "exist_ok", "mode", "task", "save_dir"})


def is_multi_gpu(device: str) -> bool:
    return "," in device


def gpu_count(device: str) -> int:
    return len([d for d in device.split(",") if d.strip()])


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
    if is_multi_gpu(spec.device) and spec.batch == -1:
        raise RuntimeFailure(
            "invalid_hyperparameter",
            f"An automatic batch size does not work when training on several GPUs ({spec.device}).",
            f"Set a batch size, a multiple of the number of GPUs (for example {8 * gpu_count(spec.device)}).",
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
