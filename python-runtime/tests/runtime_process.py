"""Runs `python -m reticle_runtime ...` as the studio does and reads its JSON lines.

Shared by the tests that drive the real CLI: with the test doubles on PYTHONPATH in CI, with a
real Ultralytics interpreter in test_real_ultralytics. Every stdout line must be one JSON
object with `v: 1`; anything else fails the test that reads it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RUNTIME_ROOT = Path(__file__).resolve().parents[1]
REPO_ROOT = RUNTIME_ROOT.parent
DOUBLES = RUNTIME_ROOT / "tests" / "doubles"
MISSING = DOUBLES / "missing"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "runtime"

# Maps whose keys come from Ultralytics (loss, metric and learning-rate names), not from the protocol.
OPEN_MAPS = frozenset({"losses", "metrics", "lr"})


def environment(pythonpath: list[Path] | None = None, **extra: str) -> dict[str, str]:
    """The environment the studio gives the runtime, with test doubles (if any) on the path."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "TORCH_DOUBLE_PROFILE"}}
    paths = [str(RUNTIME_ROOT), *(str(p) for p in pythonpath or [])]
    env.update(PYTHONPATH=os.pathsep.join(paths), PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", **extra)
    return env


def parse_line(line: str) -> dict[str, Any]:
    message = json.loads(line)
    if not isinstance(message, dict) or message.get("v") != 1 or not isinstance(message.get("type"), str):
        raise AssertionError(f"not a protocol v1 message: {line!r}")
    return message


class RuntimeRun:
    """One runtime process; stdout is read line by line on a thread, stderr goes to a file."""

    def __init__(self, args: list[str], env: dict[str, str], python: str = sys.executable, cwd: Path | None = None):
        self.stderr_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self.proc = subprocess.Popen(
            [python, "-m", "reticle_runtime", *args],
            cwd=cwd or RUNTIME_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            text=True,
            encoding="utf-8",
        )
        self.messages: list[dict[str, Any]] = []
        self.raw_lines: list[str] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw_lines.append(line)
            try:
                message = parse_line(line)
            except (ValueError, AssertionError) as exc:
                message = {"v": None, "type": "__not_json__", "line": line, "error": str(exc)}
            self.messages.append(message)
            self._queue.put(message)
        self._queue.put(None)

    def wait_for(self, kind: str, timeout: float) -> dict[str, Any]:
        """Blocks until a message of `kind` arrives; fails if the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no '{kind}' message within {timeout}s; got {[m['type'] for m in self.messages]}\n{self.stderr()[-3000:]}")
            try:
                message = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"the runtime ended before a '{kind}' message; got {[m['type'] for m in self.messages]}\n{self.stderr()[-3000:]}")
            if message["type"] == kind:
                return message

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def finish(self, timeout: float) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the runtime did not end within {timeout}s\n{self.stderr()[-3000:]}") from None
        self._reader.join(timeout=10)
        return rc

    def stderr(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.stderr_file.close()


def run_to_end(args: list[str], env: dict[str, str], timeout: float = 60, python: str = sys.executable) -> tuple[int, list[dict[str, Any]], str]:
    run = RuntimeRun(args, env, python=python)
    try:
        rc = run.finish(timeout)
        return rc, run.messages, run.stderr()
    finally:
        run.close()


def shape(value: Any, name: str = "") -> Any:
    """The keys of a message, recursively, without values: what the golden files pin down.
    Lists contribute the union of their items' shapes; Ultralytics' own maps are compared by
    their key names (so the doubles must name losses and metrics as the real one does). A null
    and a number are both just a value: `best_path` is one or the other within one run."""
    if isinstance(value, dict):
        if name in OPEN_MAPS:
            return ("map", tuple(sorted(value)))
        return ("object", tuple(sorted((k, shape(v, k)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(sorted({repr(shape(v, name)) for v in value})))
    return "value"


def read_fixture(name: str) -> list[dict[str, Any]]:
    with open(FIXTURES / f"{name}.jsonl", encoding="utf-8") as f:
        return [parse_line(line) for line in f if line.strip()]


def shapes_by_type(messages: list[dict[str, Any]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for m in messages:
        found.setdefault(m["type"], set()).add(repr(shape(m)))
    return found
