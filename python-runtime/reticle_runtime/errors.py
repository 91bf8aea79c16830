"""Failures as the user sees them: a stable `code` the app can act on, a short `message`, a `hint`.

Ultralytics and torch fail with long messages full of colour codes, emojis and URLs, often
wrapped (a dataset problem arrives as `RuntimeError("Dataset '...' error ❌ ...")` chained from
the real cause). `describe()` walks the whole exception chain and matches the failures a user
can fix on their own; anything else is `internal`, with the traceback left in the log.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

# Every code the runtime can send. The TypeScript side lists the same ones.
CODES = (
    "usage",
    "invalid_spec",
    "invalid_hyperparameter",
    "dataset_missing",
    "dataset_invalid",
    "weights_missing",
    "weights_invalid",
    "nothing_to_resume",
    "device_not_found",
    "multi_gpu_unsupported",
    "gpu_out_of_memory",
    "gpu_unsupported",
    "disk_full",
    "runtime_missing",
    "unsupported_format",
    "download_failed",
    "interrupted",
    "internal",
)


@dataclass(eq=False)
class RuntimeFailure(Exception):
    """A failure the runtime recognised, raised where it is found and sent as one `error` line."""

    code: str
    message: str
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)
        assert self.code in CODES, self.code


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SYMBOLS = re.compile("[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff\ufe0f]")


def tidy(text: str, limit: int = 300) -> str:
    """First meaningful line of a library message, without colour codes or emojis, and short."""
    text = _SYMBOLS.sub("", _ANSI.sub("", text))
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", lines[0])) if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "\u2026"


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def describe(exc: BaseException) -> RuntimeFailure:
    """Maps anything raised while running a command to the failure the user is shown."""
    chain = _chain(exc)
    for e in chain:
        if isinstance(e, RuntimeFailure):
            return e
    text = _ANSI.sub("", "\n".join(f"{type(e).__name__}: {e}" for e in chain))
    lowered = text.lower()

    if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain) or "no space left on device" in lowered:
        return RuntimeFailure("disk_full", "The disk is full.", "Free some disk space (a run needs room for its weights and results) and try again.")
    if any(type(e).__name__ == "OutOfMemoryError" for e in chain) or re.search(r"(cuda|mps backend|hip).{0,20}out of memory", lowered):
        return RuntimeFailure("gpu_out_of_memory", "The GPU ran out of memory.", "Lower the batch size or image size.")
    if "no kernel image is available" in lowered or "is not compatible with the current pytorch installation" in lowered:
        return RuntimeFailure(
            "gpu_unsupported",
            "This PyTorch build cannot run on your GPU (no kernel image is available for it).",
            "This torch build does not support your GPU; reinstall the runtime.",
        )
    m = re.search(r"invalid cuda 'device=([^']*)'", lowered)
    if m:
        return RuntimeFailure(
            "device_not_found",
            f"GPU '{m.group(1)}' was not found.",
            "Pick another device (or CPU) in the training settings, and check that the NVIDIA driver is installed.",
        )
    if "nothing to resume" in lowered:
        return RuntimeFailure("nothing_to_resume", "This run already trained all its epochs: there is nothing to resume.", "Start a new run instead.")
    m = re.search(r"'([^']+)' is not a valid yolo argument", lowered)
    if m:
        return RuntimeFailure("invalid_hyperparameter", f"'{m.group(1)}' is not a training setting Ultralytics knows.", "Remove it from the hyperparameters.")
    for e in chain:
        msg = str(e)
        if msg.startswith("Dataset '") or "images not found" in msg or "data YAML" in msg:
            # The useful part is the innermost cause ("'val:' key missing", "images not found ...").
            detail = tidy(str(chain[-1])) if len(chain) > 1 else tidy(msg)
            return RuntimeFailure("dataset_invalid", f"The dataset cannot be used: {detail}", "Check the dataset's data.yaml: it needs train, val and names, and the image folders it names must exist.")
    if re.search(r"invalid load key|pytorchstreamreader|unpicklingerror|ran out of input|not a valid ultralytics model|failed finding central directory", lowered):
        return RuntimeFailure("weights_invalid", "The weights file is damaged or is not a YOLO model.", "Pick another .pt file, or train again to make a new one.")
    m = re.search(r"download failure for (\S+)", lowered)
    if m:
        name = m.group(1).rstrip(".").rsplit("/", 1)[-1]
        return RuntimeFailure(
            "download_failed",
            f"{name} could not be downloaded: this computer seems to be offline.",
            "Connect to the internet once to fetch pretrained weights, or start from a model YAML such as yolo11n.yaml.",
        )
    for e in chain:
        if isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] in {"torch", "torchvision", "ultralytics", "cv2", "numpy"}:
            return RuntimeFailure("runtime_missing", f"The Python environment lacks {e.name}.", "Install the runtime again from the studio's settings.")
    if isinstance(exc, KeyboardInterrupt):
        return RuntimeFailure("interrupted", "The run was interrupted before it could finish cleanly.", "Weights saved before the interruption are kept in the run folder.")
    return RuntimeFailure("internal", tidy(f"{type(exc).__name__}: {exc}") or type(exc).__name__, "See the runtime log for the traceback.")


# What torch's zip writer raises when a write fails (torch.save to a path, as final_eval's
# strip_optimizer does): a RuntimeError without an errno, observed with torch 1.13 on a full tmpfs
# as "PytorchStreamWriter failed writing file data/0: file write failed", then "unexpected pos".
_TORCH_WRITE_FAILED = re.compile(r"pytorchstreamwriter failed writing file|file write failed", re.IGNORECASE)


def torch_write_failure(exc: BaseException) -> RuntimeFailure | None:
    """A checkpoint torch could not write: on a full disk torch says only "file write failed",
    with no ENOSPC for `describe` to recognise, so it is told apart here."""
    if any(_TORCH_WRITE_FAILED.search(str(e)) for e in _chain(exc)):
        return RuntimeFailure(
            "disk_full",
            "The weights could not be written (PyTorch: file write failed): the disk is most likely full.",
            "Free some disk space (a run needs room for its weights and results), then resume the run.",
        )
    return None
