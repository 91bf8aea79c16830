"""Records the golden protocol files in tests/fixtures/runtime/ from real runs.

    ULTRALYTICS_PYTHON=/opt/ultralytics-dev/python python3 python-runtime/tests/tools/record_fixtures.py

Training, export and `env` on a CPU box run the real Ultralytics through the real runtime; the
CUDA `env` files come from the torch test double (no GPU here), through the same runtime code.
Temporary paths are rewritten to /home/user/reticle-demo so the files read like a user's.
Rerun it when the protocol changes, then check the diff: the Python and TypeScript tests both
read these files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.runtime_process import DOUBLES, FIXTURES, MISSING, RuntimeRun, environment  # noqa: E402

SHOWN_ROOT = "/home/user/reticle-demo"


def write(name: str, lines: list[str], root: str) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines).replace(root, SHOWN_ROOT)
    text = text.replace(f"({sys.executable})", f"({SHOWN_ROOT}/.venv/bin/python)")
    for line in text.splitlines():
        json.loads(line)
    (FIXTURES / f"{name}.jsonl").write_text(text, encoding="utf-8")
    print(f"wrote {name}.jsonl ({len(lines)} lines)")


def run(args: list[str], python: str, env: dict[str, str], stop_file: Path | None = None) -> list[str]:
    proc = RuntimeRun(args, env, python=python)
    try:
        if stop_file is not None:
            proc.wait_for("epoch", 300)
            stop_file.touch()
        proc.finish(600)
        return proc.raw_lines
    finally:
        proc.close()


def main() -> None:
    real = os.environ.get("ULTRALYTICS_PYTHON")
    if not real:
        sys.exit("set ULTRALYTICS_PYTHON to an interpreter that can import ultralytics")
    with tempfile.TemporaryDirectory() as tmp:
        root = str(Path(tmp).resolve())
        maker = Path(__file__).with_name("make_synthetic_dataset.py")
        data = subprocess.run([real, str(maker), f"{root}/dataset"], check=True, capture_output=True, text=True).stdout.strip()
        env = environment()

        def spec(name: str, epochs: int, **extra: object) -> str:
            path = Path(root) / f"{name}.json"
            body = {"data": data, "model": "yolo11n.yaml", "epochs": epochs, "imgsz": 128, "batch": 8, "device": "cpu",
                    "project": f"{root}/runs", "name": name, "hyperparameters": {"seed": 1}, "resume": False,
                    "stop_file": f"{root}/{name}.stop", **extra}
            path.write_text(json.dumps(body))
            return str(path)

        write("train-normal", run(["train", "--spec", spec("run-normal", 3)], real, env), root)
        stopped = spec("run-stopped", 5)
        write("train-stopped", run(["train", "--spec", stopped], real, env, stop_file=Path(root) / "run-stopped.stop"), root)
        write("train-resumed", run(["train", "--spec", spec("run-stopped", 5, resume=True)], real, env), root)
        write("train-error-dataset", run(["train", "--spec", spec("run-error", 3, data=f"{root}/missing/data.yaml")], real, env), root)
        write("export-onnx", run(["export", "--weights", f"{root}/runs/run-normal/weights/best.pt", "--format", "onnx", "--opset", "17"], real, env), root)
        write("inspect-detect", run(["inspect", "--weights", f"{root}/runs/run-normal/weights/best.pt"], real, env), root)
        (Path(root) / "page.pt").write_text("<!doctype html><title>Sign in</title>", encoding="utf-8")
        write("inspect-not-a-model", run(["inspect", "--weights", f"{root}/page.pt"], real, env), root)
        write("env-cpu", run(["env"], real, env), root)
        write("env-no-torch", run(["env"], sys.executable, environment([MISSING])), root)
        write("env-cuda", run(["env"], sys.executable, environment([DOUBLES], TORCH_DOUBLE_PROFILE="cuda")), root)
        write("env-gpu-unsupported", run(["env"], sys.executable, environment([DOUBLES], TORCH_DOUBLE_PROFILE="unsupported-gpu")), root)


if __name__ == "__main__":
    main()
