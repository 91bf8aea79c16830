"""`export --weights X.pt --format onnx`: writes a deployable model next to the weights.

ONNX is what the studio itself runs (onnxruntime-node), so it must always work. The other
formats each need a toolchain that the studio does not install; Ultralytics would try to
pip-install it mid-export, which hangs or fails offline, so this module checks first that the
toolchain imports and answers `unsupported_format` with what to install when it does not.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path

from . import offline, protocol
from .errors import RuntimeFailure

# format -> modules its exporter imports (per ultralytics/engine/exporter.py, 8.4). Aliases as
# Ultralytics accepts them map onto the canonical name.
TOOLCHAINS: dict[str, tuple[str, ...]] = {
    "onnx": ("onnx",),
    "torchscript": (),
    "openvino": ("openvino",),
    "engine": ("tensorrt", "onnx"),
    "coreml": ("coremltools",),
    "saved_model": ("tensorflow", "onnx2tf"),
    "pb": ("tensorflow", "onnx2tf"),
    "tflite": ("tensorflow", "onnx2tf"),
    "edgetpu": ("tensorflow", "onnx2tf"),
    "tfjs": ("tensorflow", "tensorflowjs"),
    "paddle": ("paddle", "x2paddle"),
    "mnn": ("MNN",),
    "ncnn": ("ncnn",),
    "imx": ("model_compression_toolkit",),
    "rknn": ("rknn",),
    "executorch": ("executorch",),
}
ALIASES = {"tensorrt": "engine", "trt": "engine", "mlmodel": "coreml", "mlpackage": "coreml", "mlprogram": "coreml"}


def missing_toolchain(fmt: str) -> list[str]:
    """Modules the format needs that do not import here."""
    missing = []
    for name in TOOLCHAINS[fmt]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - installed-but-broken counts as missing
            missing.append(name)
    return missing


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def run(weights: str, fmt: str, imgsz: int | None, opset: int | None, emit: protocol.Emit) -> int:
    fmt = ALIASES.get(fmt.lower(), fmt.lower())
    if fmt not in TOOLCHAINS:
        raise RuntimeFailure("unsupported_format", f"'{fmt}' is not an export format.", f"Use one of: {', '.join(sorted(TOOLCHAINS))}.")
    if not os.path.isfile(weights):
        raise RuntimeFailure("weights_missing", f"The weights file {weights} does not exist.", "Pick a run whose training saved its weights.")
    offline.before_import()  # see offline.py
    missing = missing_toolchain(fmt)
    if missing:
        raise RuntimeFailure(
            "unsupported_format",
            f"Exporting to {fmt} needs {', '.join(missing)}, which this Python environment lacks.",
            f"Install {', '.join(missing)} into the runtime's environment, or export to ONNX.",
        )
    from ultralytics import YOLO  # noqa: PLC0415

    offline.after_import()

    kwargs: dict[str, object] = {"format": fmt, "simplify": False}
    if imgsz is not None:
        kwargs["imgsz"] = imgsz  # else Ultralytics uses the size the model was trained at
    if opset is not None and fmt == "onnx":
        kwargs["opset"] = opset
    started = time.monotonic()
    out = YOLO(weights).export(**kwargs)
    if not out:
        raise RuntimeFailure("internal", f"The {fmt} export wrote nothing.", "See the runtime log.")
    path = Path(str(out)).resolve()
    emit(protocol.exported(path=str(path), format=fmt, bytes=_size(path), weights=str(Path(weights).resolve()), seconds=round(time.monotonic() - started, 3)))
    return 0
