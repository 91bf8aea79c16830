"""Training on several GPUs at once (`device: "0,1"`), with the same protocol as on one.

How Ultralytics 8.4 trains on several GPUs (read from `engine/trainer.py` and `utils/dist.py`):
`BaseTrainer.train()` sees a device list and, instead of training, writes a small Python file
that imports the trainer's class *by its module path*, builds it from the run's arguments and
calls `train()`, and runs that file under `torch.distributed.run`, one process per GPU. It waits
for them (`subprocess.run(check=True)`), and none of this process's callbacks run in them.

So the runtime passes a trainer class of its own, defined here (`trainer=` of `Model.train`).
The generated file imports it from this module, and its `__init__`, in the rank-0 process (and
only there: ranks above 0 get `trainer.stop` from rank 0 through Ultralytics' broadcast), sets up
the same `TrainingEvents` as a one-GPU run. Everything those callbacks do carries over: progress,
epochs, checkpoints, the stop file, the resumable copy of last.pt, the final confusion matrix.
One difference: a stop is applied at the end of an epoch, not between batches (see
`TrainingEvents.stop_between_batches`).

The processes Ultralytics starts write to this process's stdout descriptor, which the runtime
has pointed at stderr (the protocol has a descriptor of its own, and subprocesses are not given
it). The rank-0 process therefore appends its messages to a file, and this process relays them to
the protocol as they come, keeping `finished` and `error` to send itself, once training returned.
A stop request to this process (SIGINT, SIGTERM) writes the stop file, which rank 0 watches.

What tells the processes apart: `RETICLE_DDP_CONTEXT` names a JSON file with the spec, where the
messages go, and this process's pid; the generated file's processes have other pids.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from . import protocol
from .callbacks import StopRequest, events_for
from .errors import CODES, RuntimeFailure, describe, torch_write_failure
from .spec import parse_spec

CONTEXT_ENV = "RETICLE_DDP_CONTEXT"
RELAY_INTERVAL_SECONDS = 0.1
# Sent by the parent once training returned, not relayed as they arrive.
_KEPT_BACK = frozenset({"finished", "error"})


@dataclasses.dataclass
class Context:
    """What the rank-0 process needs to report as this process would."""

    spec: dict[str, Any]
    model_label: str
    events: str
    parent_pid: int

    @staticmethod
    def read() -> Context | None:
        path = os.environ.get(CONTEXT_ENV)
        if not path:
            return None
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        return Context(spec=raw["spec"], model_label=raw["model_label"], events=raw["events"], parent_pid=int(raw["parent_pid"]))


def _rank() -> int:
    try:
        return int(os.environ.get("RANK", "-1"))
    except ValueError:
        return -1


class Relay:
    """Follows the messages file the rank-0 process appends to, and sends each complete line on.
    `finished` and `error` are kept for the caller. A line that is not JSON is logged and dropped,
    as the studio drops one on the protocol."""

    def __init__(self, path: Path, emit: protocol.Emit, interval: float = RELAY_INTERVAL_SECONDS):
        self.path = path
        self.emit = emit
        self.interval = interval
        self.kept: dict[str, protocol.Message] = {}
        self._offset = 0
        self._pending = b""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="reticle-ddp-relay", daemon=True)

    def start(self) -> Relay:
        self._thread.start()
        return self

    def _follow(self) -> None:
        while not self._done.wait(self.interval):
            self.pump()

    def pump(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        self._offset += len(chunk)
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        for line in lines:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                print(f"[reticle] dropped a malformed line from the GPU processes: {line[:200]!r}", file=sys.stderr, flush=True)
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") in _KEPT_BACK:
                self.kept[message["type"]] = message
            else:
                self.emit(message)

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        self.pump()


class Launch:
    """The parent's side: the context file, the messages file, the relay, and the stop file
    written on a signal. Use as a context manager around `model.train(..., trainer=...)`."""

    def __init__(self, spec: Any, model_label: str, emit: protocol.Emit, package_root: Path):
        self.spec = spec
        self.emit = emit
        self.package_root = package_root
        self._dir = Path(tempfile.mkdtemp(prefix="reticle-ddp-"))
        self.events = self._dir / "events.jsonl"
        self.events.touch()
        fields = dataclasses.asdict(spec)
        if not fields.get("stop_file"):
            # Rank 0 can only be asked to stop through a file: give it one.
            fields["stop_file"] = str(self._dir / "stop")
        self.stop_file = Path(fields["stop_file"])
        context = self._dir / "context.json"
        context.write_text(json.dumps({"spec": fields, "model_label": model_label, "events": str(self.events), "parent_pid": os.getpid()}), encoding="utf-8")
        self._context = context
        self.relay = Relay(self.events, emit)
        self._saved_env: dict[str, str | None] = {}

    def _set_env(self, key: str, value: str) -> None:
        self._saved_env.setdefault(key, os.environ.get(key))
        os.environ[key] = value

    def __enter__(self) -> Launch:
        self._set_env(CONTEXT_ENV, str(self._context))
        # The generated file runs from Ultralytics' config folder: it finds this package only
        # through PYTHONPATH.
        path = os.environ.get("PYTHONPATH")
        root = str(self.package_root)
        if root not in (path or "").split(os.pathsep):
            self._set_env("PYTHONPATH", root + (os.pathsep + path if path else ""))
        self.relay.start()
        return self

    def request_stop(self) -> None:
        try:
            self.stop_file.write_text("stop requested\n", encoding="utf-8")
        except OSError:
            pass

    def __exit__(self, *_exc: Any) -> None:
        self.relay.stop()
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for name in ("events.jsonl", "context.json", "stop"):
            try:
                (self._dir / name).unlink()
            except OSError:
                pass
        try:
            self._dir.rmdir()
        except OSError:
            pass

    def result(self) -> protocol.Message:
        """The rank-0 process's `finished`, or the failure it reported."""
        error = self.relay.kept.get("error")
        if error is not None:
            raise _reported(error)
        finished = self.relay.kept.get("finished")
        if finished is None:
            raise RuntimeFailure("internal", "Training on several GPUs ended without reporting its results.", "See the runtime log.")
        return finished

    def failure(self, exc: BaseException) -> RuntimeFailure:
        """Why the GPU processes failed: what rank 0 said, else the exit status."""
        error = self.relay.kept.get("error")
        if error is not None:
            return _reported(error)
        status = getattr(exc, "returncode", None)
        return RuntimeFailure(
            "internal",
            f"A training process on one of the GPUs ended with exit status {status}." if status is not None else f"Training on several GPUs failed: {exc}",
            "The runtime log has each process's output. Try one GPU to see the error plainly.",
        )


def _reported(error: protocol.Message) -> RuntimeFailure:
    """The failure rank 0 reported, as this process sends it."""
    code = error.get("code")
    hint = error.get("hint")
    return RuntimeFailure(
        code if code in CODES else "internal",
        str(error.get("message") or "Training on several GPUs failed."),
        hint if isinstance(hint, str) else None,
    )


class _Rank0:
    """The rank-0 process's side: the callbacks, and its result written for the parent."""

    def __init__(self, trainer: Any, context: Context):
        spec = parse_spec(context.spec)
        self.channel = protocol.Channel(open(context.events, "a", encoding="utf-8", newline="\n", buffering=1))  # noqa: SIM115 - lives as long as the process
        stop = StopRequest(spec.stop_file)
        stop.install_signal_handlers()
        self.events = events_for(self.channel, stop, spec, context.model_label)
        self.events.attach(trainer)

    def run(self, train: Callable[[], Any]) -> Any:
        try:
            result = train()
        except BaseException as exc:
            failure = torch_write_failure(exc) or describe(exc)
            self.channel(protocol.error(code=failure.code, message=failure.message, hint=failure.hint))
            raise
        if self.events.result is not None:
            self.channel(self.events.result)
        return result


def attach_rank0(trainer: Any) -> _Rank0 | None:
    """In the rank-0 process started for a multi-GPU run, the callbacks; elsewhere nothing."""
    context = Context.read()
    if context is None or os.getpid() == context.parent_pid or _rank() not in (-1, 0):
        return None
    return _Rank0(trainer, context)


def _trainer_class(base: type, name: str) -> type:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, *args, **kwargs)
        self._reticle_rank0 = attach_rank0(self)

    def train(self: Any) -> Any:
        rank0 = getattr(self, "_reticle_rank0", None)
        if rank0 is None:
            return base.train(self)
        return rank0.run(lambda: base.train(self))

    cls = type(name, (base,), {"__init__": __init__, "train": train, "__module__": __name__, "__doc__": f"{base.__name__} reporting to Reticle Studio from a multi-GPU run."})
    return cls


_BASES = {
    "ReticleDetectionTrainer": ("ultralytics.models.yolo.detect", "DetectionTrainer"),
    "ReticleClassificationTrainer": ("ultralytics.models.yolo.classify", "ClassificationTrainer"),
}
_TASKS = {"detect": "ReticleDetectionTrainer", "classify": "ReticleClassificationTrainer"}
_classes: dict[str, type] = {}


def __getattr__(name: str) -> type:
    """`ReticleDetectionTrainer` and `ReticleClassificationTrainer`, made on first use (they
    subclass Ultralytics' trainers, and this module is imported where Ultralytics may not be)."""
    if name not in _BASES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _classes:
        import importlib  # noqa: PLC0415

        from . import offline  # noqa: PLC0415

        offline.before_import()  # every GPU process imports its trainer here: none may download
        module, base = _BASES[name]
        offline.after_import()
        _classes[name] = _trainer_class(getattr(importlib.import_module(module), base), name)
    return _classes[name]


def trainer_for(task: str) -> type:
    """The trainer class for a multi-GPU run of `task`, defined in this module so that the file
    Ultralytics generates can import it."""
    name = _TASKS.get(task)
    if name is None:
        raise RuntimeFailure(
            "multi_gpu_unsupported",
            f"Training a {task} model on several GPUs at once is not supported.",
            "Pick one GPU in the training settings.",
        )
    return __getattr__(name)
