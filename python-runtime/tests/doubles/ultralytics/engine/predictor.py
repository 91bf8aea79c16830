"""TEST DOUBLE of Ultralytics' prediction, as `YOLO(w).predict(source=LIST.txt, stream=True, ...)`
gives it. Not Ultralytics and none of its code: it imitates, from the outside, what
`reticle_runtime predict` depends on in 8.4.52 (`BasePredictor.stream_inference`,
`LoadImagesAndVideos`, `Results`):

* `source` is a `.txt` file: its lines stripped, sorted, made absolute; a path that does not exist
  raises FileNotFoundError before any image; a suffix outside IMG_FORMATS is dropped; `batch`
  images are read at a time.
* An image that does not decode (see `utils/patches.py`) is skipped with "WARNING Image Read
  Error" on stdout; a batch left with no image at the end of the list fails with
  ValueError("need at least one array to stack"), as `np.stack` does in `preprocess`.
* A `Results` has `path`, `orig_shape` (height, width), `names`, `speed` (ms per image) and either
  `boxes.data` (rows x1, y1, x2, y2, conf, cls: up to three boxes placed by the image's size, those
  above `conf`, best first, at most `max_det`) or `probs.data` (0.7 for class (width + height) % nc,
  the rest shared evenly).
* The device is chosen as training's (`ULTRALYTICS_DOUBLE_GPUS`): an unknown GPU raises
  Ultralytics' "Invalid CUDA 'device=...'" message when `predict()` is called.

Knobs: ULTRALYTICS_DOUBLE_PREDICT_HOLD_FILE=path parks the predictor before its second batch (the
first batch's results taken) until `path` exists or a stop signal comes (see `_gate.py`);
ULTRALYTICS_DOUBLE_PREDICT_SECONDS sleeps that long per batch.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from .._gate import wait_at_gate
from ..data.utils import IMG_FORMATS
from ..utils.patches import imread

# (x1, y1, x2, y2) as fractions of the image, confidence, class (modulo the class count).
_BOXES = ((0.10, 0.20, 0.50, 0.60, 0.91, 0), (0.55, 0.50, 0.95, 0.90, 0.62, 1), (0.30, 0.05, 0.45, 0.25, 0.12, 2))


class _Rows(list):
    """A list standing in for a tensor: `tolist()` is all the runtime calls."""

    def tolist(self) -> list[Any]:
        return [list(r) if isinstance(r, (list, tuple)) else r for r in self]


def _files(source: str) -> list[str]:
    text = Path(source).read_text(encoding="utf-8")
    files = []
    for line in sorted(p.strip() for p in text.splitlines()):
        absolute = str(Path(line).absolute())
        if not os.path.isfile(absolute):
            raise FileNotFoundError(f"{line} does not exist")
        if absolute.rpartition(".")[-1].lower() in IMG_FORMATS:
            files.append(absolute)
    if not files:
        raise FileNotFoundError(f"No images or videos found in {source}.")
    return files


class Predictor:
    def __init__(self, task: str, names: dict[int, str], device: Any, args: dict[str, Any], log: Any):
        self.task, self.names, self.device, self.args, self.log = task, names, device, args, log

    def _result(self, path: str, shape: tuple[int, int, int], seconds: float) -> SimpleNamespace:
        height, width = shape[:2]
        nc = max(1, len(self.names))
        boxes = probs = None
        if self.task == "classify":
            winner = (width + height) % nc
            probs = SimpleNamespace(data=_Rows(0.7 if i == winner else 0.3 / max(1, nc - 1) for i in range(nc)))
        else:
            conf, max_det = float(self.args.get("conf", 0.25)), int(self.args.get("max_det", 300))
            rows = [[x1 * width, y1 * height, x2 * width, y2 * height, c, float(k % nc)] for x1, y1, x2, y2, c, k in _BOXES if c > conf]
            boxes = SimpleNamespace(data=_Rows(rows[:max_det]))
        ms = seconds * 1000
        speed = {"preprocess": round(ms * 0.1, 3), "inference": round(ms * 0.8, 3), "postprocess": round(ms * 0.1, 3)}
        return SimpleNamespace(path=path, orig_shape=(height, width), names=self.names, boxes=boxes, probs=probs, speed=speed)

    def stream(self, source: str) -> Iterator[SimpleNamespace]:
        files = _files(str(source))
        batch, pause = max(1, int(self.args.get("batch", 1))), float(os.environ.get("ULTRALYTICS_DOUBLE_PREDICT_SECONDS", "0"))
        gate, count, batches = os.environ.get("ULTRALYTICS_DOUBLE_PREDICT_HOLD_FILE"), 0, 0
        while count < len(files):
            if batches == 1 and gate:
                wait_at_gate(Path(gate), "before the second batch", False, self.log)
            started = time.monotonic()
            images: list[tuple[str, Any]] = []
            while len(images) < batch and count < len(files):
                image = imread(files[count])
                if image is None:
                    self.log(f"WARNING Image Read Error {files[count]}")
                else:
                    images.append((files[count], image))
                count += 1
            if not images:
                raise ValueError("need at least one array to stack")
            time.sleep(pause)
            batches += 1
            seconds = (time.monotonic() - started) / len(images)
            yield from [self._result(path, image.shape, seconds) for path, image in images]
