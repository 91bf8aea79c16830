"""`predict --weights X.pt --images LIST.txt ...`: auto-label's batch inference on the runtime's
PyTorch (a GPU when the studio asks for one), one `prediction` line per image as it comes.

How Ultralytics 8.4 predicts (`Model.predict` in engine/model.py, `BasePredictor.stream_inference`
in engine/predictor.py, `LoadImagesAndVideos` in data/loaders.py), and what this module does
about it:

* The source is a `.txt` file of paths, which Ultralytics' loader reads `batch` images at a time.
  A Python list would not do: `check_source` opens every image of a list with PIL up front and
  predicts them as one batch.
* The loader sorts the paths, ends the whole run on a path that does not exist, and quietly
  drops a file whose suffix it does not read. So each path is checked here first: a missing
  one, a folder or an unknown suffix is reported on its own, and the rest go to Ultralytics as
  absolute paths, which is how its results name them.
* An image that OpenCV cannot decode is skipped with a warning in the log. Results come in the
  loader's order, so a path passed over between two results was unreadable. When the last
  images of the list are all unreadable the loader hands the predictor an empty batch, which
  fails (`np.stack` of nothing): if none of the images still waiting reads with Ultralytics' own
  `imread`, they are reported unreadable and the run ends as usual.
* `rect=False`: every image is letterboxed to the full `imgsz` square, as the studio's ONNX path
  (the preview) does. With Ultralytics' default, `rect=True`, an image's boxes would depend on
  the other images in its batch: padding is trimmed only when all of a batch share one shape.
* Cancel: SIGINT or SIGTERM sets a flag (`StopRequest`, as in training), checked between images;
  the run ends with `predicted` (`cancelled: true`) and exit status 0. A second signal interrupts.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import offline, protocol
from .callbacks import StopRequest
from .errors import RuntimeFailure

# Ultralytics' tasks whose results carry `boxes` (a segmentation or pose model's boxes are
# suggestions too), and the one whose results carry `probs`.
BOX_TASKS = ("detect", "segment", "pose")
CLASSIFY = "classify"


@dataclass
class ImagePlan:
    """The listed images split into those Ultralytics gets and those refused up front."""

    queue: list[str] = field(default_factory=list)
    """Absolute paths, in the order Ultralytics' loader predicts them (sorted)."""
    listed: dict[str, str] = field(default_factory=dict)
    """Absolute path -> the path as listed, which is how every line names an image."""
    refused: list[tuple[str, protocol.Message]] = field(default_factory=list)


def check_arguments(args: argparse.Namespace) -> None:
    problems = []
    if not 0.0 <= args.conf <= 1.0:
        problems.append("--conf is between 0 and 1")
    if not 0.0 <= args.iou <= 1.0:
        problems.append("--iou is between 0 and 1")
    if args.imgsz < 32:
        problems.append("--imgsz is at least 32")
    if args.batch < 1:
        problems.append("--batch is at least 1")
    if args.max_det < 1:
        problems.append("--max-det is at least 1")
    if problems:
        raise RuntimeFailure("usage", "; ".join(problems) + ".", None)
    if not os.path.isfile(args.weights):
        raise RuntimeFailure("weights_missing", f"The weights file {args.weights} does not exist.", "Pick a run whose training saved its weights.")


def read_image_list(path: str) -> list[str]:
    """The paths of a list file, one a line, each once. Lines are stripped, as Ultralytics does."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuntimeFailure("usage", f"The image list {path} cannot be read: {exc}.", None) from exc
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def plan_images(paths: Iterable[str], formats: Iterable[str]) -> ImagePlan:
    suffixes = {f.lower() for f in formats}
    plan = ImagePlan()
    for listed in paths:
        absolute = str(Path(listed).absolute())  # as the loader names files (it never resolves links)
        suffix = absolute.rpartition(".")[-1].lower() if "." in Path(absolute).name else ""
        if "*" in absolute:
            refusal = protocol.image_error(code="image_unsupported", message=f"{listed}: Ultralytics reads '*' in a path as a wildcard.")
        elif not os.path.exists(absolute):
            refusal = protocol.image_error(code="image_missing", message=f"{listed} does not exist.")
        elif not os.path.isfile(absolute):
            refusal = protocol.image_error(code="image_unreadable", message=f"{listed} is a folder, not an image.")
        elif suffix not in suffixes:
            refusal = protocol.image_error(code="image_unsupported", message=f"{listed}: Ultralytics does not read .{suffix or '(no suffix)'} files.")
        else:
            plan.listed.setdefault(absolute, listed)
            continue
        plan.refused.append((listed, refusal))
    plan.queue = sorted(plan.listed)
    return plan


def _failed(path: str, error: protocol.Message) -> protocol.Message:
    return protocol.prediction(path=path, width=0, height=0, boxes=None, top=None, speed=None, error=error)


def _unreadable(plan: ImagePlan, absolute: str) -> protocol.Message:
    listed = plan.listed[absolute]
    return _failed(listed, protocol.image_error(code="image_unreadable", message=f"{listed} cannot be decoded as an image (OpenCV could not read it)."))


def describe_result(result: Any, task: str, listed: str, max_det: int) -> protocol.Message:
    """One Ultralytics `Results` as a `prediction` line."""
    height, width = (int(v) for v in result.orig_shape[:2])
    boxes = top = None
    if task == CLASSIFY:
        probs = result.probs.data.tolist()
        ranked = sorted(range(len(probs)), key=lambda i: -probs[i])[:max_det]
        top = [[i, round(float(probs[i]), 6)] for i in ranked]
    else:
        boxes = [[round(x1, 3), round(y1, 3), round(x2, 3), round(y2, 3), round(conf, 6), int(cls)] for x1, y1, x2, y2, conf, cls in result.boxes.data.tolist()]
    speed = {k: round(float(v), 3) for k, v in (getattr(result, "speed", None) or {}).items()}
    return protocol.prediction(path=listed, width=width, height=height, boxes=boxes, top=top, speed=speed or None, error=None)


def run(args: argparse.Namespace, emit: protocol.Emit) -> int:
    check_arguments(args)
    paths = read_image_list(args.images)
    stop = StopRequest(None)
    stop.install_signal_handlers()
    try:
        return _run(args, paths, stop, emit)
    except KeyboardInterrupt:  # a second stop signal
        raise RuntimeFailure("interrupted", "Prediction was interrupted.", "The images predicted before the interruption were reported.") from None


def _run(args: argparse.Namespace, paths: list[str], stop: StopRequest, emit: protocol.Emit) -> int:
    offline.before_import()  # see offline.py
    from ultralytics import YOLO  # noqa: PLC0415 - heavy, and absent where only `env` runs
    from ultralytics.data.utils import IMG_FORMATS  # noqa: PLC0415
    from ultralytics.utils.patches import imread  # noqa: PLC0415

    offline.after_import()
    started = time.monotonic()
    model = YOLO(args.weights)
    task = str(model.task)
    if task not in (*BOX_TASKS, CLASSIFY):
        raise RuntimeFailure("weights_invalid", f"This is a {task} model; auto-label draws boxes and tags whole images.", "Pick a detection or classification model.")
    names = [str(model.names[i]) for i in sorted(model.names)]
    plan = plan_images(paths, IMG_FORMATS)
    with tempfile.TemporaryDirectory(prefix="reticle-predict-") as folder:
        source = Path(folder) / "images.txt"
        source.write_text("".join(f"{p}\n" for p in plan.queue), encoding="utf-8")
        images, failed, device, cancelled = _predict(model, str(source), args, task, names, plan, stop, imread, emit)
    emit(protocol.predicted(images=images, failed=failed, seconds=round(time.monotonic() - started, 3), device=device, cancelled=cancelled))
    return 0


def _predict(
    model: Any,
    source: str,
    args: argparse.Namespace,
    task: str,
    names: list[str],
    plan: ImagePlan,
    stop: StopRequest,
    imread: Callable[[str], Any],
    emit: protocol.Emit,
) -> tuple[int, int, str, bool]:
    """Streams Ultralytics' results as lines; answers (predicted, failed, device, cancelled)."""
    results = None
    device = args.device
    if plan.queue:
        results = model.predict(
            source=source, stream=True, batch=args.batch, conf=args.conf, iou=args.iou, imgsz=args.imgsz, device=args.device,
            max_det=args.max_det, rect=False, verbose=False,
        )  # fmt: skip
        device = str(model.predictor.device)  # set up by predict(); Ultralytics may fall back to the CPU
    emit(protocol.predicting(weights=str(Path(args.weights).resolve()), task=task, names=names, device=device, images=len(plan.listed) + len(plan.refused), batch=args.batch, imgsz=args.imgsz))
    for listed, refusal in plan.refused:
        emit(_failed(listed, refusal))
    predicted, failed, cancelled = 0, len(plan.refused), False
    waiting = deque(plan.queue)
    if results is not None:
        try:
            for result in results:
                if stop.requested:
                    cancelled = True
                    break
                path = str(result.path)
                while waiting and waiting[0] != path:
                    emit(_unreadable(plan, waiting.popleft()))
                    failed += 1
                if waiting:
                    waiting.popleft()
                emit(describe_result(result, task, plan.listed.get(path, path), args.max_det))
                predicted += 1
        except Exception:
            # The loader's empty last batch (see the module's notes), or a real failure.
            if not waiting or any(imread(p) is not None for p in waiting):
                raise
        finally:
            results.close()
    if not cancelled:
        for absolute in waiting:
            emit(_unreadable(plan, absolute))
            failed += 1
    return predicted, failed, device, cancelled
