"""TEST DOUBLE of the few `torch` calls that `reticle_runtime env` makes. Not PyTorch.

The runtime's tests put this folder's parent on PYTHONPATH to play a machine that CI is not:
TORCH_DOUBLE_PROFILE picks it.

* `cuda` (default): CUDA 12.4 with one working NVIDIA GeForce RTX 4090 (24 GiB, sm 8.9).
* `unsupported-gpu`: an RTX 5090 (sm 12.0) that this build has no kernels for; any op on it
  fails with "no kernel image is available for execution on the device", as real torch does.
* `cpu`: a CPU-only build (torch.version.cuda is None).

Only what `env.py` touches exists: `__version__`, `version.cuda`, `cuda.is_available()`,
`cuda.device_count()`, `cuda.get_device_properties(i)`, `cuda.get_device_name(i)`,
`backends.mps.is_available()`, and `ones(shape, device=...)` with `@`, `.sum()`, `.item()`.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

PROFILE = os.environ.get("TORCH_DOUBLE_PROFILE", "cuda")

_GPUS = {
    "cuda": [SimpleNamespace(name="NVIDIA GeForce RTX 4090", total_memory=25_757_220_864, major=8, minor=9, works=True)],
    "unsupported-gpu": [SimpleNamespace(name="NVIDIA GeForce RTX 5090", total_memory=34_190_000_128, major=12, minor=0, works=False)],
    "cpu": [],
}[PROFILE]

__version__ = "2.5.1+cu124" if _GPUS else "2.5.1+cpu"
version = SimpleNamespace(cuda="12.4" if _GPUS else None)


class _Tensor:
    def __init__(self, rows: int, cols: int, value: float):
        self.rows, self.cols, self.value = rows, cols, value

    def __matmul__(self, other: "_Tensor") -> "_Tensor":
        return _Tensor(self.rows, other.cols, self.value * other.value * self.cols)

    def sum(self) -> "_Tensor":
        return _Tensor(1, 1, self.value * self.rows * self.cols)

    def item(self) -> float:
        return float(self.value)


def _gpu(device: str) -> SimpleNamespace:
    index = int(device.split(":")[1]) if ":" in device else 0
    if index >= len(_GPUS):
        raise RuntimeError("CUDA error: invalid device ordinal")
    return _GPUS[index]


def ones(shape: tuple[int, int], device: str = "cpu") -> _Tensor:
    if device.startswith("cuda"):
        if not _gpu(device).works:
            raise RuntimeError(
                "CUDA error: no kernel image is available for execution on the device\n"
                "CUDA kernel errors might be asynchronously reported at some other API call."
            )
    elif device == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    return _Tensor(shape[0], shape[1], 1.0)


def _properties(index: int) -> SimpleNamespace:
    return _gpu(f"cuda:{index}")


cuda = SimpleNamespace(
    is_available=lambda: bool(_GPUS),
    device_count=lambda: len(_GPUS),
    get_device_properties=_properties,
    get_device_name=lambda index=0: _properties(int(getattr(index, "index", index) or 0)).name,
)
backends = SimpleNamespace(mps=SimpleNamespace(is_available=lambda: False))
