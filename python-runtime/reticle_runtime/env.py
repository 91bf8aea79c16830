"""`env`: what this Python environment can train on, proven rather than assumed.

`torch.cuda.is_available()` says a driver answered, not that this torch build has kernels for
the card (a wheel built without sm_120 loads fine on an RTX 50xx and then fails on the first
op with "no kernel image is available"). So each device runs a small matmul and reads the result
back; a device that fails says why. Missing pieces are reported as `problems` a user can act on,
and the command still succeeds: `env` reports, it does not fail.
"""

from __future__ import annotations

import platform
import shutil
import sys
from typing import Any

from . import __version__, protocol
from .errors import describe, tidy

# 64x64 ones matrix squared and summed: every entry is 64, so the sum is 64**3.
_PROBE_SIZE = 64
_PROBE_EXPECTED = float(_PROBE_SIZE**3)


def probe_device(torch: Any, device: str) -> tuple[bool, str | None]:
    """Runs a tiny matmul on `device` and checks the answer; returns (works, error)."""
    try:
        a = torch.ones((_PROBE_SIZE, _PROBE_SIZE), device=device)
        value = float((a @ a).sum().item())
        if value != _PROBE_EXPECTED:
            return False, f"a test matmul returned {value}, expected {_PROBE_EXPECTED:.0f}"
        return True, None
    except Exception as exc:  # noqa: BLE001 - any failure means the device does not work
        return False, tidy(f"{type(exc).__name__}: {exc}")


def _cuda_report(torch: Any, problems: list[str]) -> dict[str, Any]:
    version = getattr(torch.version, "cuda", None)
    try:
        available = bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver can raise here
        available = False
    devices: list[dict[str, Any]] = []
    if available:
        for index in range(torch.cuda.device_count()):
            try:
                props = torch.cuda.get_device_properties(index)
                name, memory, capability = str(props.name), int(props.total_memory), f"{props.major}.{props.minor}"
            except Exception as exc:  # noqa: BLE001
                name, memory, capability = f"GPU {index}", 0, "unknown"
                problems.append(f"GPU {index} cannot be queried: {tidy(str(exc))}")
            works, error = probe_device(torch, f"cuda:{index}")
            devices.append(protocol.cuda_device(index=index, name=name, memory_bytes=memory, capability=capability, works=works, error=error))
            if not works:
                failure = describe(RuntimeError(error or ""))
                hint = failure.hint if failure.code == "gpu_unsupported" else "Update the NVIDIA driver, or reinstall the runtime."
                problems.append(f"GPU {index} ({name}) cannot run PyTorch: {error}. {hint}")
    elif version is None and shutil.which("nvidia-smi"):
        problems.append("An NVIDIA driver is installed but this PyTorch build has no CUDA support: reinstall the runtime with CUDA to train on the GPU.")
    elif version is not None and shutil.which("nvidia-smi"):
        problems.append(f"This PyTorch build expects CUDA {version} but no GPU answered: update the NVIDIA driver.")
    return {"available": available, "version": version, "devices": devices}


def _mps_report(torch: Any) -> dict[str, Any]:
    mps = getattr(getattr(torch, "backends", None), "mps", None)
    try:
        available = bool(mps is not None and mps.is_available())
    except Exception:  # noqa: BLE001
        available = False
    works, error = probe_device(torch, "mps") if available else (False, None)
    return {"available": available, "works": works, "error": error}


def _ultralytics_version(problems: list[str]) -> str | None:
    """Imports Ultralytics to read its version: package metadata alone would miss a source
    install and would not prove that the package imports."""
    try:
        import ultralytics  # noqa: PLC0415 - imported lazily by design
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing == "ultralytics":
            problems.append("Ultralytics is not installed in this Python environment: install the runtime again.")
        elif missing == "torch":
            pass  # the missing-torch problem already says what to do
        else:
            problems.append(f"Ultralytics is installed but cannot be imported, because {exc.name} is missing: install the runtime again.")
        return None
    except Exception as exc:  # noqa: BLE001
        problems.append(f"Ultralytics is installed but cannot be imported ({tidy(f'{type(exc).__name__}: {exc}')}): install the runtime again.")
        return None
    return str(getattr(ultralytics, "__version__", "unknown"))


def collect() -> dict[str, Any]:
    """Builds the `env` message."""
    problems: list[str] = []
    python = platform.python_version()
    plat = f"{platform.system()}-{platform.release()}-{platform.machine()}"
    try:
        import torch  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "torch":
            problems.append(f"PyTorch is installed but cannot be imported, because {exc.name} is missing: install the runtime again.")
        else:
            problems.append(f"PyTorch is not installed in this Python environment ({sys.executable}): install the runtime again.")
        torch = None
    except Exception as exc:  # noqa: BLE001 - a broken torch (missing DLL, ABI mismatch) raises all sorts
        problems.append(f"PyTorch is installed but cannot be imported ({tidy(f'{type(exc).__name__}: {exc}')}): install the runtime again.")
        torch = None

    if torch is None:
        ultralytics = _ultralytics_version(problems)
        return protocol.env(
            runtime=__version__, python=python, platform=plat, torch=None, ultralytics=ultralytics, cuda=None, mps=None, cpu=None, problems=problems
        )

    cuda = _cuda_report(torch, problems)
    mps = _mps_report(torch)
    cpu_works, cpu_error = probe_device(torch, "cpu")
    if not cpu_works:
        problems.append(f"PyTorch cannot run even on the CPU: {cpu_error}. Install the runtime again.")
    ultralytics = _ultralytics_version(problems)
    return protocol.env(
        runtime=__version__,
        python=python,
        platform=plat,
        torch=str(getattr(torch, "__version__", "unknown")),
        ultralytics=ultralytics,
        cuda=cuda,
        mps=mps,
        cpu={"works": cpu_works, "error": cpu_error},
        problems=problems,
    )


def run(emit: protocol.Emit) -> int:
    emit(collect())
    return 0
