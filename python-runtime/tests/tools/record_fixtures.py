"""Records the golden protocol files in tests/fixtures/runtime/ from real runs.

    ULTRALYTICS_PYTHON=/opt/ultralytics-dev/python python3 python-runtime/tests/tools/record_fixtures.py [--only PREFIX]

`--only predict` records only the files whose names start with "predict" (and trains what they need).

Training, export and `env` on a CPU box run the real Ultralytics through the real runtime; the
CUDA `env` files come from the torch test double (no GPU here), through the same runtime code.
Temporary paths are rewritten to /home/user/reticle-demo so the files read like a user's.
Rerun it when the protocol changes, then check the diff: the Python and TypeScript tests both
read these files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

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
    parser = argparse.ArgumentParser(description="Records the golden protocol files from real runs.")
    parser.add_argument("--only", default="", help="record only the files whose names start with this")
    only = parser.parse_args().only
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

        def record(name: str, args: list[str], python: str = real, run_env: dict[str, str] = env, stop_file: Path | None = None) -> None:
            if name.startswith(only):
                write(name, run(args, python, run_env, stop_file), root)

        best = f"{root}/runs/run-normal/weights/best.pt"
        if any(name.startswith(only) for name in ("train-normal", "export-onnx", "inspect-detect")):  # they need its best.pt
            lines = run(["train", "--spec", spec("run-normal", 3)], real, env)
            if "train-normal".startswith(only):
                write("train-normal", lines, root)
        stopped = spec("run-stopped", 5)
        record("train-stopped", ["train", "--spec", stopped], stop_file=Path(root) / "run-stopped.stop")
        record("train-resumed", ["train", "--spec", spec("run-stopped", 5, resume=True)])
        record("train-error-dataset", ["train", "--spec", spec("run-error", 3, data=f"{root}/missing/data.yaml")])
        record("export-onnx", ["export", "--weights", best, "--format", "onnx", "--opset", "17"])
        record("inspect-detect", ["inspect", "--weights", best])
        (Path(root) / "page.pt").write_text("<!doctype html><title>Sign in</title>", encoding="utf-8")
        record("inspect-not-a-model", ["inspect", "--weights", f"{root}/page.pt"])
        record("env-cpu", ["env"])
        record("env-no-torch", ["env"], sys.executable, environment([MISSING]))
        record("env-cuda", ["env"], sys.executable, environment([DOUBLES], TORCH_DOUBLE_PROFILE="cuda"))
        record("env-gpu-unsupported", ["env"], sys.executable, environment([DOUBLES], TORCH_DOUBLE_PROFILE="unsupported-gpu"))
        if "predict-detect".startswith(only):
            record_predict_detect(root, real, env, spec)
        if "predict-classify".startswith(only):
            record_predict_classify(root, real, env, spec, maker)


def record_predict_detect(root: str, real: str, env: dict[str, str], spec: Any) -> None:
    """A detector trained for 2 epochs (its boxes are the untrained kind, but every key is
    Ultralytics' own), with an undecodable image, a missing one and a file of a suffix Ultralytics
    does not read among the images."""
    run(["train", "--spec", spec("run-predict", 2)], real, env)
    images = sorted(str(p) for p in (Path(root) / "dataset" / "images" / "val").glob("*.jpg"))[:3]
    (Path(root) / "zz_bad.jpg").write_bytes(b"not an image")
    (Path(root) / "notes.json").write_text("{}", encoding="utf-8")
    listing = Path(root) / "images.txt"
    listing.write_text("\n".join([*images, f"{root}/zz_bad.jpg", f"{root}/missing.jpg", f"{root}/notes.json"]) + "\n", encoding="utf-8")
    weights = f"{root}/runs/run-predict/weights/best.pt"
    args = ["predict", "--weights", weights, "--images", str(listing), "--conf", "0.001", "--imgsz", "128", "--batch", "4", "--device", "cpu"]
    write("predict-detect", run(args, real, env), root)


def record_predict_classify(root: str, real: str, env: dict[str, str], spec: Any, maker: Path) -> None:
    """A classifier trained for 1 epoch at 32 px on pictures of one shape each."""
    listing = Path(root) / "classes.txt"
    classes = subprocess.run([real, str(maker), f"{root}/classes", "--classify", "--train", "12", "--val", "4", "--size", "64"], check=True, capture_output=True, text=True).stdout.strip()
    run(["train", "--spec", spec("run-classify", 1, data=classes, model="yolo11n-cls.yaml", imgsz=32)], real, env)
    listing.write_text("\n".join(sorted(str(p) for p in Path(classes, "val").rglob("*.jpg"))[:3]) + "\n", encoding="utf-8")
    args = ["predict", "--weights", f"{root}/runs/run-classify/weights/best.pt", "--images", str(listing), "--imgsz", "32", "--device", "cpu"]
    write("predict-classify", run(args, real, env), root)


if __name__ == "__main__":
    main()
