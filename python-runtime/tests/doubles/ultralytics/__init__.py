"""TEST DOUBLE of the small slice of the `ultralytics` package that `reticle_runtime` uses.

This is not Ultralytics and contains none of its code. CI has neither Ultralytics nor torch,
so the runtime's tests put this folder's parent on PYTHONPATH (and nothing else ever does).
It imitates, from the outside, the behaviour the runtime depends on, as observed in
Ultralytics 8.4.52 (`engine/model.py`, `engine/trainer.py`, `models/yolo/detect/val.py`):

* `YOLO(model)`: a model YAML name or a `.pt` file (here a JSON file; a damaged one raises
  `UnpicklingError("invalid load key ...")` as torch.load does); `.ckpt` holds the checkpoint.
* `YOLO.add_callback(event, fn)`, then `YOLO.train(**kwargs)`, which rejects unknown arguments
  with "'x' is not a valid YOLO argument", wraps dataset failures in
  `RuntimeError("Dataset '...' error ...")`, and runs a trainer through the same callbacks, in
  the same order, with the same attribute names as `BaseTrainer._do_train`:
  on_train_start; per epoch on_train_epoch_start, on_train_batch_end per batch (then the loop
  checks `trainer.stop`), on_train_epoch_end, validation, results.csv, early stopping,
  save (last.pt, best.pt) and on_model_save, on_fit_epoch_end, then `if stop: break`; after the
  loop final_eval() strips the optimizer from last.pt and best.pt, validates best.pt and runs
  on_fit_epoch_end once more with epoch + 1; then on_train_end.
* `train(resume=True)` on a checkpoint with an epoch and optimizer state continues at the next
  epoch with the checkpoint's arguments; on a stripped one it starts over, as the real one does.
* The validator fills its confusion matrix only when `args.plots` is on, like DetectionValidator.
* `YOLO(w).export(format=...)` writes a file next to the weights and returns its path.
* `YOLO(w).predict(source=LIST.txt, stream=True, ...)`: see `engine/predictor.py`.
* `YOLO.train(trainer=Cls)` trains with that class. With a device list (`device="0,1"`) the
  trainer trains nothing itself: like BaseTrainer.train() it writes a file that imports its class
  by module path, builds it from the run's arguments and trains in a new process with LOCAL_RANK,
  RANK and WORLD_SIZE set, and waits with `check=True` (see `_ddp_train`).
  `ultralytics.models.yolo.detect.DetectionTrainer` and `...classify.ClassificationTrainer` exist.

Knobs for tests, read from the environment (the real package has no such thing):
ULTRALYTICS_DOUBLE_BATCH_SECONDS (sleep per batch, default 0.002) and
ULTRALYTICS_DOUBLE_PLATEAU_AFTER (fitness stops improving after this epoch, to test patience);
ULTRALYTICS_DOUBLE_GPUS=N pretends to be a machine with N CUDA devices (default 0: a CPU-only one).
For the studio's supervisor tests, ways a real training process goes wrong:
ULTRALYTICS_DOUBLE_CRASH_AT_EPOCH=N dies after the first batch of epoch N (1-based) without a
word on the protocol, as an out-of-memory kill or a segfault does; ULTRALYTICS_DOUBLE_CRASH_WITH
says how: an exit status (default 137) or a signal name (SIGKILL, SIGSEGV).
ULTRALYTICS_DOUBLE_GARBAGE_AT_EPOCH=N writes malformed lines onto the protocol stream at the start
of epoch N, as a stray writer holding the protocol descriptor would.
ULTRALYTICS_DOUBLE_IGNORE_STOP=1 keeps training after `trainer.stop` is set, as a trainer stuck
in a data loader or a long validation would: only a kill ends it early.
For tests that must act at a given point of a run whatever the machine's speed (no race against
the clock): ULTRALYTICS_DOUBLE_HOLD_FILE=path with ULTRALYTICS_DOUBLE_HOLD_AT_EPOCH=N (1-based) and
ULTRALYTICS_DOUBLE_HOLD_AFTER_BATCH=B (default 0) parks the trainer in epoch N once B of its
batches are done (B=0: before its first batch, after epoch N-1 was reported), as a batch that
takes very long would. While parked, `path.waiting` exists, and `path.signalled` once a stop
signal came and the runtime's own handler had it. It goes on once `path` exists, or at a stop
signal (SIGINT, SIGTERM), which the next batch end then sees as a stop request; with IGNORE_STOP
only `path` (or a kill) ends the wait. It gives up after 10 minutes, so that a test that failed
leaves no process waiting.
ULTRALYTICS_DOUBLE_ONNX=path makes `export(format="onnx")` write a copy of that (real) ONNX file,
so tests can run what the studio exported.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import signal
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
import zipfile
from typing import Any, Callable

from ._gate import wait_at_gate

__version__ = "8.4.52"

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
VALID_ARGS = {
    "data", "epochs", "imgsz", "batch", "device", "project", "name", "exist_ok", "plots", "verbose",
    "workers", "amp", "resume", "patience", "lr0", "lrf", "optimizer", "momentum", "weight_decay",
    "warmup_epochs", "cos_lr", "close_mosaic", "mosaic", "mixup", "fliplr", "hsv_h", "seed", "val",
    "save", "save_period", "time", "cache", "single_cls", "freeze", "format", "opset", "simplify",
    "half", "dynamic", "model", "task", "mode",
    # The rest of Ultralytics' train settings (cfg/default.yaml), which the studio's presets and
    # advanced settings pass through.
    "pretrained", "deterministic", "rect", "fraction", "profile", "multi_scale", "compile", "overlap_mask",
    "mask_ratio", "dropout", "warmup_momentum", "warmup_bias_lr", "box", "cls", "cls_pw", "dfl", "pose", "kobj",
    "nbs", "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective", "flipud", "bgr", "cutmix",
    "copy_paste", "copy_paste_mode", "auto_augment", "erasing",
    # predict's (see engine/predictor.py)
    "conf", "iou", "max_det", "rect",
}
DEFAULTS = {"epochs": 100, "imgsz": 640, "batch": 16, "device": None, "project": None, "name": "train", "exist_ok": False,
            "plots": True, "verbose": True, "workers": 8, "amp": True, "resume": False, "patience": 100, "val": True, "save": True,
            "time": None, "lr0": 0.01, "optimizer": "auto"}
LOSS_NAMES = ("box_loss", "cls_loss", "dfl_loss")
METRIC_KEYS = ["metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)"]


def _log(message: str) -> None:
    # The real LOGGER writes to stdout; so does this, to prove the runtime keeps it off the protocol.
    print(f"Ultralytics (double) {message}", flush=True)


def _check_args(kwargs: dict[str, Any]) -> None:
    for key in kwargs:
        if key not in VALID_ARGS:
            raise SyntaxError(f"'\x1b[31m\x1b[1m{key}\x1b[0m' is not a valid YOLO argument. \n\n    Arguments received: ...")


def _save_checkpoint(path: Path, ckpt: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ckpt), encoding="utf-8")


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Reads a checkpoint: the JSON this double's training writes, or the same JSON as the member
    `*/data.json` of a zip archive (the shape of a torch file: tests serve such files as
    "pretrained weights", since a real `.pt` is a zip archive)."""
    try:
        raw = Path(path).read_bytes()
        if raw[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                member = next(n for n in archive.namelist() if n.endswith("data.json"))
                raw = archive.read(member)
        ckpt = json.loads(raw.decode("utf-8"))
        assert isinstance(ckpt, dict) and ckpt.get("format") == "ultralytics-double-checkpoint"
    except FileNotFoundError:
        raise
    except Exception:
        raise pickle.UnpicklingError("invalid load key, '\\x0b'.") from None
    return ckpt


def _scalar(text: str) -> str:
    """A YAML scalar of the subset: plain, or double-quoted with JSON's escapes (as the studio writes names)."""
    text = text.strip()
    return json.loads(text) if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _read_data(data: str) -> dict[str, Any]:
    """A tiny YAML subset: `key: value` lines and a `names:` block of `  0: cat` or `- cat`."""
    try:
        path = Path(data)
        if not path.exists():
            raise FileNotFoundError(f"'{data}' does not exist")
        if path.is_dir():
            # Classification, as Ultralytics' check_cls_dataset reads it: train/<class>/ folders,
            # class names sorted, val (or test) beside them.
            train = path / "train"
            if not train.is_dir():
                raise FileNotFoundError(f"{path} has no train/ folder")
            classes = sorted(p.name for p in train.iterdir() if p.is_dir())
            val = path / "val" if (path / "val").is_dir() else path / "test"
            return {"names": dict(enumerate(classes)), "nc": len(classes), "train": str(train), "val": str(val), "yaml_file": str(path)}
        top: dict[str, Any] = {}
        names: dict[int, str] = {}
        in_names = False
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            if in_names and raw.startswith((" ", "-")):
                item = line.strip()
                if item.startswith("- "):
                    names[len(names)] = _scalar(item[2:])
                else:
                    k, v = item.split(":", 1)
                    names[int(k)] = _scalar(v)
                continue
            in_names = False
            key, _, value = line.partition(":")
            value = value.strip()
            if key == "names":
                if value.startswith("["):
                    names = {i: n.strip().strip("'\"") for i, n in enumerate(value.strip("[]").split(","))}
                else:
                    in_names = True
                continue
            top[key.strip()] = value
        for k in ("train", "val"):
            if k not in top:
                raise SyntaxError(f"{data} '{k}:' key missing \u274c.\n'train' and 'val' are required in all data YAMLs.")
        if not names:
            raise SyntaxError(f"{data} key missing \u274c.\n either 'names' or 'nc' are required in all data YAMLs.")
        root = Path(top.get("path") or path.parent)
        resolved = {k: (root / top[k]).resolve() for k in ("train", "val")}
        if not resolved["val"].exists():
            raise FileNotFoundError(f"Dataset '{data}' images not found, missing path '{resolved['val']}'")
        return {"names": names, "nc": len(names), "train": str(resolved["train"]), "val": str(resolved["val"]), "yaml_file": str(path)}
    except Exception as e:
        raise RuntimeError(f"Dataset '{data}' error \u274c {e}") from e


def _count_images(folder: str) -> int:
    p = Path(folder)
    return sum(1 for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES) if p.is_dir() else 0


class _Loader:
    """Stands in for a DataLoader: `len()` is the batch count, `.dataset` has the image count."""

    def __init__(self, images: int, batch: int):
        self.dataset = [None] * images
        self._batches = max(1, math.ceil(images / batch)) if images else 1

    def __len__(self) -> int:
        return self._batches


class _Device:
    def __init__(self, spec: Any):
        text = str(spec if spec not in (None, "") else "cpu").lower()
        gpus = int(os.environ.get("ULTRALYTICS_DOUBLE_GPUS", "0"))
        indices = text.split(",")
        if gpus and all(i.isdigit() and int(i) < gpus for i in indices):
            # A pretend CUDA machine; a multi-GPU run's worker takes the GPU of its LOCAL_RANK.
            self.type = "cuda"
            self.index = int(os.environ.get("LOCAL_RANK", indices[0]))
            return
        if text.replace(",", "").isdigit() or text.startswith("cuda"):
            raise ValueError(
                f"Invalid CUDA 'device={spec}' requested. Use 'device=cpu' or pass valid CUDA device(s) if available, "
                "i.e. 'device=0' or 'device=0,1,2,3' for Multi-GPU.\n\ntorch.cuda.is_available(): False"
            )
        self.type = "cpu"  # like select_device() without MPS: it falls back to the CPU

    def __str__(self) -> str:
        return f"cuda:{self.index}" if self.type == "cuda" else self.type


class _EarlyStopping:
    def __init__(self, patience: int | None):
        self.best_fitness, self.best_epoch = 0.0, 0
        self.patience = patience or float("inf")
        self.possible_stop = False

    def __call__(self, epoch: int, fitness: float | None) -> bool:
        if fitness is None:
            return False
        if fitness > self.best_fitness or self.best_fitness == 0:
            self.best_epoch, self.best_fitness = epoch, fitness
        delta = epoch - self.best_epoch
        self.possible_stop = delta >= (self.patience - 1)
        return delta >= self.patience


class _Validator:
    """DetMetrics-shaped results: `metrics.box.{ap50, ap, p, r, ap_class_index}`,
    `metrics.nt_per_class`, and `confusion_matrix.matrix` ((nc+1) square, [predicted][true])."""

    def __init__(self, args: SimpleNamespace, names: dict[int, str]):
        self.args = SimpleNamespace(plots=args.plots)
        self.names = names
        nc = len(names)
        self.metrics = SimpleNamespace(box=SimpleNamespace(ap50=[], ap=[], p=[], r=[], ap_class_index=[]), nt_per_class=None, names=names)
        self.confusion_matrix = SimpleNamespace(matrix=[[0.0] * (nc + 1) for _ in range(nc + 1)], nc=nc)

    def __call__(self, quality: float, with_losses: bool) -> dict[str, float]:
        nc = len(self.names)
        present = list(range(max(1, nc - 1))) if nc > 1 else [0]  # the last class has no val instances
        box = self.metrics.box
        box.ap_class_index = present
        box.ap = [round(quality * (1 - 0.1 * c), 5) for c in present]
        box.ap50 = [round(min(1.0, a * 1.6), 5) for a in box.ap]
        box.p = [round(min(1.0, 0.2 + a), 5) for a in box.ap]
        box.r = [round(min(1.0, 0.1 + a), 5) for a in box.ap]
        self.metrics.nt_per_class = [5 + c if c in present else 0 for c in range(nc)]
        self.confusion_matrix.matrix = [[0.0] * (nc + 1) for _ in range(nc + 1)]
        if self.args.plots:
            for c in present:
                hits = round(self.metrics.nt_per_class[c] * quality)
                self.confusion_matrix.matrix[c][c] += hits
                self.confusion_matrix.matrix[nc][c] += self.metrics.nt_per_class[c] - hits
                self.confusion_matrix.matrix[c][nc] += 1
        mean = lambda xs: round(sum(xs) / len(xs), 5) if xs else 0.0  # noqa: E731
        stats = dict(zip(METRIC_KEYS, [mean(box.p), mean(box.r), mean(box.ap50), mean(box.ap)]))
        stats["fitness"] = stats["metrics/mAP50-95(B)"]
        if with_losses:
            stats.update({f"val/{n}": round(2.0 - quality, 5) for n in LOSS_NAMES})
        return stats


class DetectionTrainer:
    """A trainer that trains nothing, with BaseTrainer's loop shape and attribute names."""

    def __init__(self, cfg: Any = None, overrides: dict[str, Any] | None = None, _callbacks: dict[str, list[Callable[[Any], None]]] | None = None):
        overrides = dict(overrides or {})
        self.callbacks = _callbacks if _callbacks is not None else defaultdict(list)
        self.args = SimpleNamespace(**{**DEFAULTS, **overrides})
        self.resume_ckpt: dict[str, Any] | None = None
        if self.args.resume:
            ckpt = load_checkpoint(self.args.resume)
            keep = {k: overrides[k] for k in ("imgsz", "batch", "device", "workers", "patience", "plots", "val") if k in overrides}
            self.args = SimpleNamespace(**{**DEFAULTS, **ckpt["train_args"], **keep, "resume": self.args.resume, "model": str(self.args.resume)})
            self.resume_ckpt = ckpt
        self.device = _Device(self.args.device)
        self.save_dir = Path(self.args.project or "runs/detect") / str(self.args.name)
        self.wdir = self.save_dir / "weights"
        self.wdir.mkdir(parents=True, exist_ok=True)
        self.last, self.best = self.wdir / "last.pt", self.wdir / "best.pt"
        self.csv = self.save_dir / "results.csv"
        if self.csv.exists() and not self.args.resume:
            self.csv.unlink()
        self.epochs = int(self.args.epochs)
        self.start_epoch = 0
        self.batch_size = 16 if int(self.args.batch) < 1 else int(self.args.batch)
        self.data = _read_data(str(self.args.data))
        self.loss_names = LOSS_NAMES
        self.metrics: dict[str, float] | None = None
        self.best_fitness: float | None = None
        self.fitness: float | None = None
        self.tloss: list[float] | None = None
        self.loss_items: list[float] | None = None
        self.lr: dict[str, float] = {}
        self.epoch = 0
        self.epoch_time: float | None = None
        self.stop = False
        self.validator: _Validator | None = None
        self.resume = bool(self.args.resume)
        device = str(self.args.device or "")
        self.world_size = len(device.split(",")) if device and device != "cpu" else 0
        self.ddp = self.world_size > 1 and "LOCAL_RANK" not in os.environ

    def add_callback(self, event: str, callback: Callable[[Any], None]) -> None:
        self.callbacks[event].append(callback)

    def run_callbacks(self, event: str) -> None:
        for callback in self.callbacks.get(event, []):
            callback(self)

    def label_loss_items(self, loss_items: list[float] | None = None, prefix: str = "train") -> dict[str, float] | list[str]:
        keys = [f"{prefix}/{x}" for x in self.loss_names]
        if loss_items is None:
            return keys
        return dict(zip(keys, [round(float(x), 5) for x in loss_items]))

    def _quality(self, epoch: int) -> float:
        plateau = os.environ.get("ULTRALYTICS_DOUBLE_PLATEAU_AFTER")
        if plateau is not None and epoch >= int(plateau):
            epoch = int(plateau)
        return round(0.7 * (1 - math.exp(-(epoch + 1) / 4)), 5)

    def _validate(self) -> None:
        stats = self.validator(self._quality(self.epoch), with_losses=True)
        self.fitness = stats.pop("fitness")
        self.metrics = stats
        if not self.best_fitness or self.best_fitness < self.fitness:
            self.best_fitness = self.fitness

    def _save_model(self) -> None:
        ckpt = {"format": "ultralytics-double-checkpoint", "epoch": self.epoch, "best_fitness": self.best_fitness,
                "optimizer": {"lr": self.lr}, "train_args": {k: v for k, v in vars(self.args).items() if k != "resume"}}
        _save_checkpoint(self.last, ckpt)
        if self.best_fitness == self.fitness:
            _save_checkpoint(self.best, ckpt)

    @staticmethod
    def _strip(path: Path) -> None:
        ckpt = load_checkpoint(path)
        ckpt.update(optimizer=None, best_fitness=None, epoch=-1)
        _save_checkpoint(path, ckpt)

    def _save_csv(self, values: dict[str, float], started: float) -> None:
        row = {"epoch": self.epoch + 1, "time": round(time.time() - started, 3), **values}
        new = not self.csv.exists()
        with open(self.csv, "a", encoding="utf-8") as f:
            if new:
                f.write(",".join(row) + "\n")
            f.write(",".join(f"{v:.6g}" for v in row.values()) + "\n")

    def _knob(self, name: str) -> int | None:
        value = os.environ.get(f"ULTRALYTICS_DOUBLE_{name}")
        return int(value) if value else None

    def _crash(self) -> None:
        how = os.environ.get("ULTRALYTICS_DOUBLE_CRASH_WITH", "137")
        print(f"Ultralytics (double) crashing on purpose in epoch {self.epoch + 1} ({how})", file=sys.stderr, flush=True)
        if how.startswith("SIG"):
            os.kill(os.getpid(), getattr(signal, how))
            time.sleep(10)  # the signal lands before this ends
        os._exit(int(how))

    def _hold(self, epoch: int, batches_done: int, ignore_stop: bool) -> None:
        """ULTRALYTICS_DOUBLE_HOLD_*: waits here until the test opens the gate or a stop signal comes."""
        gate = os.environ.get("ULTRALYTICS_DOUBLE_HOLD_FILE")
        if not gate or self._knob("HOLD_AT_EPOCH") != epoch + 1 or (self._knob("HOLD_AFTER_BATCH") or 0) != batches_done:
            return
        wait_at_gate(Path(gate), f"in epoch {epoch + 1} after {batches_done} batches", ignore_stop, _log)

    def _write_garbage(self) -> None:
        """Finds the protocol channel through the runtime's callbacks (their `emit`) and writes
        lines onto it that are not protocol messages."""
        for fns in self.callbacks.values():
            for fn in fns:
                channel = getattr(getattr(fn, "__self__", None), "emit", None)
                stream, lock = getattr(channel, "_stream", None), getattr(channel, "_lock", None)
                if stream is None or lock is None:
                    continue
                with lock:
                    for line in ("this is not JSON", '{"v": 2, "type": "epoch"}', '{"v": 1, "type": "mystery"}',
                                 '{"v": 1, "type": "epoch", "epoch": "one"}', "[1, 2, 3]", '{"v": 1, "type": "progr'):
                        stream.write(line + "\n")
                    stream.flush()
                return

    def _ddp_train(self) -> None:
        """BaseTrainer.train() with several devices: it trains nothing here, but writes a file that
        imports this trainer's class by module path and trains in a new process (the real one starts
        one per GPU under torch.distributed.run; this double starts rank 0 only, with the same
        environment variables), and waits for it with check=True."""
        import shutil  # noqa: PLC0415
        import subprocess  # noqa: PLC0415
        import tempfile  # noqa: PLC0415

        if not self.resume:
            shutil.rmtree(self.save_dir)
        module, name = self.__class__.__module__, self.__class__.__name__
        overrides = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(self.args).items()}
        content = (
            f"overrides = {overrides!r}\n"
            'if __name__ == "__main__":\n'
            f"    from {module} import {name}\n"
            f"    trainer = {name}(cfg={{}}, overrides=overrides)\n"
            "    trainer.train()\n"
        )
        with tempfile.NamedTemporaryFile("w", prefix="_temp_", suffix=".py", delete=False, encoding="utf-8") as f:
            f.write(content)
        try:
            env = {**os.environ, "LOCAL_RANK": "0", "RANK": "0", "WORLD_SIZE": str(self.world_size)}
            subprocess.run([sys.executable, f.name], check=True, env=env)
        finally:
            os.unlink(f.name)

    def train(self) -> None:
        if self.ddp:
            self._ddp_train()
            return
        # _setup_train()
        self.train_loader = _Loader(_count_images(self.data["train"]), self.batch_size)
        self.test_loader = _Loader(_count_images(self.data["val"]), self.batch_size * 2)
        self.validator = _Validator(self.args, self.data["names"])
        self.metrics = dict.fromkeys(METRIC_KEYS + self.label_loss_items(prefix="val"), 0)
        self.stopper, self.stop = _EarlyStopping(self.args.patience), False
        if self.resume_ckpt is not None:
            self.start_epoch = self.resume_ckpt["epoch"] + 1
            assert 0 < self.start_epoch < self.epochs, f"{self.args.model} training to {self.epochs} epochs is finished, nothing to resume."
            self.best_fitness = self.resume_ckpt.get("best_fitness")
        self.run_callbacks("on_pretrain_routine_end")

        # _do_train()
        batch_seconds = float(os.environ.get("ULTRALYTICS_DOUBLE_BATCH_SECONDS", "0.002"))
        crash_at, garbage_at = self._knob("CRASH_AT_EPOCH"), self._knob("GARBAGE_AT_EPOCH")
        ignore_stop = os.environ.get("ULTRALYTICS_DOUBLE_IGNORE_STOP") == "1"
        nb = len(self.train_loader)
        self.train_time_start = self.epoch_time_start = time.time()
        self.run_callbacks("on_train_start")
        _log(f"Starting training for {self.epochs} epochs...")
        epoch = self.start_epoch
        while True:
            self.epoch = epoch
            self.run_callbacks("on_train_epoch_start")
            if garbage_at == epoch + 1:
                self._write_garbage()
            self.tloss = None
            for i in range(nb):
                self._hold(epoch, i, ignore_stop)
                self.run_callbacks("on_train_batch_start")
                time.sleep(batch_seconds)
                q = self._quality(epoch)
                self.loss_items = [round(2.5 - q - 0.01 * i, 5), round(3.0 - 2 * q, 5), round(1.5 - q / 2, 5)]
                self.tloss = self.loss_items if self.tloss is None else [(t * i + x) / (i + 1) for t, x in zip(self.tloss, self.loss_items)]
                self.run_callbacks("on_batch_end")
                self.run_callbacks("on_train_batch_end")
                if crash_at == epoch + 1:
                    self._crash()
                if self.stop and not ignore_stop:
                    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
                        # The real loop breaks here on this rank alone; the other ranks go on to
                        # the next batch and wait in its gradient all-reduce for this one forever.
                        raise RuntimeError("DDP (double): trainer.stop was set between batches on one rank; the others would hang in all-reduce")
                    break
            self.lr = {f"lr/pg{g}": round(0.01 * (1 - epoch / self.epochs) + 1e-4, 6) for g in range(3)}
            self.run_callbacks("on_train_epoch_end")
            final_epoch = epoch + 1 >= self.epochs
            if self.args.val or final_epoch or self.stopper.possible_stop or self.stop:
                self._validate()
            self._save_csv({**self.label_loss_items(self.tloss), **self.metrics, **self.lr}, self.train_time_start)
            self.stop |= self.stopper(epoch + 1, self.fitness) or final_epoch
            if self.args.save or final_epoch:
                self._save_model()
                self.run_callbacks("on_model_save")
            t = time.time()
            self.epoch_time, self.epoch_time_start = t - self.epoch_time_start, t
            self.run_callbacks("on_fit_epoch_end")
            if final_epoch or (self.stop and not ignore_stop):
                break
            epoch += 1

        # final_eval()
        if self.last.exists():
            self._strip(self.last)
        if self.best.exists():
            self._strip(self.best)
            self.validator.args.plots = self.args.plots
            stats = self.validator(self._quality(self.stopper.best_epoch - 1 if self.stopper.best_epoch else self.epoch), with_losses=False)
            stats.pop("fitness", None)
            self.metrics = stats
            self.epoch += 1
            self.run_callbacks("on_fit_epoch_end")
            self.epoch -= 1
        self.run_callbacks("on_train_end")
        self.run_callbacks("teardown")


class ClassificationTrainer(DetectionTrainer):
    """Stands in for `ultralytics.models.yolo.classify.ClassificationTrainer` (same loop here)."""


class YOLO:
    """`YOLO(model)`: a model YAML name, or a checkpoint written by this double's training."""

    def __init__(self, model: str | Path = "yolo11n.yaml"):
        self.model_name = str(model)
        self.callbacks: dict[str, list[Callable[[Any], None]]] = defaultdict(list)
        self.ckpt: dict[str, Any] | None = None
        self.ckpt_path: str | None = None
        self.trainer: DetectionTrainer | None = None
        self.predictor: Any = None
        if self.model_name.endswith(".pt"):
            if not Path(self.model_name).exists():
                raise FileNotFoundError(f"'{self.model_name}' does not exist")
            self.ckpt = load_checkpoint(self.model_name)
            self.ckpt_path = self.model_name
        elif not self.model_name.endswith((".yaml", ".yml")):
            raise FileNotFoundError(f"'{self.model_name}' does not exist")

    def add_callback(self, event: str, func: Callable[[Any], None]) -> None:
        self.callbacks[event].append(func)

    @property
    def task(self) -> str:
        if self.ckpt and isinstance(self.ckpt.get("task"), str):
            return self.ckpt["task"]
        return "classify" if "-cls" in Path(self.model_name).name else "detect"

    @property
    def names(self) -> dict[int, str]:
        """The classes: a pretrained checkpoint's own, else those of the data it trained on."""
        if self.ckpt and isinstance(self.ckpt.get("names"), list):
            return dict(enumerate(self.ckpt["names"]))
        data = (self.ckpt or {}).get("train_args", {}).get("data")
        if data and Path(str(data)).exists():
            return _read_data(str(data))["names"]
        return {0: "item"}

    def train(self, trainer: type | None = None, **kwargs: Any) -> Any:
        _check_args(kwargs)
        args = {**kwargs, "model": self.model_name}
        if args.get("resume") is True:
            if self.ckpt and self.ckpt.get("epoch", -1) >= 0 and self.ckpt.get("optimizer") is not None:
                args["resume"] = self.ckpt_path
            else:
                _log(f"WARNING model '{self.ckpt_path}' is not a resumable training checkpoint. Starting new training instead.")
                args["resume"] = False
        self.trainer = (trainer or DetectionTrainer)(overrides=args, _callbacks=self.callbacks)
        self.trainer.train()
        ckpt = self.trainer.best if self.trainer.best.exists() else self.trainer.last
        if not ckpt.exists():
            raise FileNotFoundError(f"Training completed but no checkpoint was saved. Expected {self.trainer.best} or {self.trainer.last}.")
        self.ckpt = load_checkpoint(ckpt)
        return getattr(self.trainer.validator, "metrics", None)

    def predict(self, source: Any = None, stream: bool = False, **kwargs: Any) -> Any:
        """See engine/predictor.py. Like the real one, it sets up `self.predictor` (and its device)
        before the first image is read."""
        from .engine.predictor import Predictor  # noqa: PLC0415

        _check_args(kwargs)
        self.predictor = Predictor(self.task, self.names, _Device(kwargs.get("device")), kwargs, _log)
        results = self.predictor.stream(source)
        return results if stream else list(results)

    def export(self, format: str = "torchscript", **kwargs: Any) -> str:
        _check_args({"format": format, **kwargs})
        if self.ckpt_path is None:
            raise ValueError("export needs trained weights in this double")
        suffix = {"onnx": ".onnx", "torchscript": ".torchscript", "openvino": "_openvino_model"}.get(format)
        if suffix is None:
            raise ValueError(f"Invalid export format='{format}'.")
        out = Path(self.ckpt_path).with_suffix("") if not suffix.startswith(".") else Path(self.ckpt_path).with_suffix(suffix)
        _log(f"export: writing {out}")
        stand_in = os.environ.get("ULTRALYTICS_DOUBLE_ONNX") if format == "onnx" else None
        if stand_in:
            out.write_bytes(Path(stand_in).read_bytes())
        elif suffix.startswith("."):
            out.write_bytes(b"ULTRALYTICS-DOUBLE-" + format.encode() + b"\0" * 1024)
        else:
            out = Path(str(out) + suffix)
            out.mkdir(exist_ok=True)
            (out / "model.bin").write_bytes(b"\0" * 2048)
        sys.stdout.flush()
        return str(out)
