"""TEST DOUBLE helper (no such module in Ultralytics): parks the double's trainer or predictor at
a point of a run until a test lets it go, so that what a test does there happens there whatever
the machine's speed (no race against the clock).

While parked, `gate.waiting` exists, and `gate.signalled` once a stop signal came and the
runtime's own handler had it. It goes on once `gate` exists, or at a stop signal (SIGINT, SIGTERM)
unless `ignore_stop`. It gives up after 10 minutes, so that a test that failed leaves no process
waiting.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Callable


def wait_at_gate(gate: Path, where: str, ignore_stop: bool, log: Callable[[str], None]) -> None:
    if gate.exists():
        return
    waiting, signalled = Path(f"{gate}.waiting"), Path(f"{gate}.signalled")
    stops: list[int] = []
    previous: dict[int, Any] = {}

    def on_stop(signum: int, frame: Any) -> None:
        # Handed on to whoever listened before (the runtime's StopRequest), then noted in
        # `gate.signalled`: once that file is there, the runtime has heard the signal.
        stops.append(signum)
        handler = previous.get(signum)
        if callable(handler):
            handler(signum, frame)
        elif handler == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        with open(signalled, "a", encoding="utf-8") as f:
            f.write(f"{signum}\n")

    for name in ("SIGINT", "SIGTERM"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.getsignal(signum)
            signal.signal(signum, on_stop)
        except ValueError:  # not the main thread: no signal handlers here, the gate still works
            previous.pop(signum, None)
    waiting.write_text(f"{where}\n", encoding="utf-8")
    log(f"holding {where} until {gate} exists")
    try:
        give_up = time.monotonic() + 600
        while not gate.exists() and not (stops and not ignore_stop) and time.monotonic() < give_up:
            time.sleep(0.01)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        waiting.unlink(missing_ok=True)
