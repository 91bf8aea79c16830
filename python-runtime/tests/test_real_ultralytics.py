"""Real training with the real Ultralytics, through the real runtime CLI.

Runs only where ULTRALYTICS_PYTHON names an interpreter that can import ultralytics (and
Pillow), e.g. `/opt/ultralytics-dev/python` on a developer machine; CI has neither and skips it.

    ULTRALYTICS_PYTHON=/opt/ultralytics-dev/python \\
        python3 -m unittest discover -s python-runtime/tests -t python-runtime -p test_real_ultralytics.py

It makes 40 small images of drawn shapes in YOLO layout, trains yolo11n.yaml from scratch on
the CPU at 128 px, exports ONNX, stops a run with the stop file and with SIGINT, and resumes
one. Timings go to stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any

from tests.runtime_process import RuntimeRun, environment, read_fixture, shapes_by_type

PYTHON = os.environ.get("ULTRALYTICS_PYTHON")
TIMEOUT = 900


def timing(label: str, seconds: float) -> None:
    sys.stderr.write(f"\n[real ultralytics] {label}: {seconds:.3f} s\n")


class RealUltralyticsTest(unittest.TestCase):
    root: Path
    data: str

    @classmethod
    def setUpClass(cls) -> None:
        if not PYTHON:
            raise unittest.SkipTest("ULTRALYTICS_PYTHON is not set: real Ultralytics training skipped")
        cls._tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls._tmp.name).resolve()
        maker = Path(__file__).with_name("tools") / "make_synthetic_dataset.py"
        out = subprocess.run([PYTHON, str(maker), str(cls.root / "dataset"), "--train", "32", "--val", "8"], check=True, capture_output=True, text=True)
        cls.data = out.stdout.strip()

    @classmethod
    def tearDownClass(cls) -> None:
        if hasattr(cls, "_tmp"):
            cls._tmp.cleanup()

    def spec(self, name: str, epochs: int, **changes: Any) -> str:
        body = {
            "data": self.data,
            "model": "yolo11n.yaml",
            "epochs": epochs,
            "imgsz": 128,
            "batch": 8,
            "device": "cpu",
            "project": str(self.root / "runs"),
            "name": name,
            "hyperparameters": {"seed": 0},
            "resume": False,
            "stop_file": str(self.root / f"{name}.stop"),
            **changes,
        }
        path = self.root / f"{name}-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        return str(path)

    def start(self, args: list[str]) -> RuntimeRun:
        assert PYTHON
        run = RuntimeRun(args, environment(), python=PYTHON)
        self.addCleanup(run.close)
        return run

    def finish(self, run: RuntimeRun) -> list[dict[str, Any]]:
        rc = run.finish(TIMEOUT)
        self.assertEqual(rc, 0, run.stderr()[-4000:])
        self.assertEqual([m for m in run.messages if m["type"] == "__not_json__"], [], "stdout must carry protocol lines only")
        return run.messages

    def assert_like_fixture(self, messages: list[dict[str, Any]], fixture: str) -> None:
        expected, actual = shapes_by_type(read_fixture(fixture)), shapes_by_type(messages)
        self.assertEqual(sorted(actual), sorted(expected))
        for kind in expected:
            self.assertEqual(actual[kind], expected[kind], kind)

    def test_train_two_epochs_then_export_onnx(self):
        t0 = time.monotonic()
        run = self.start(["train", "--spec", self.spec("normal", 2)])
        started = run.wait_for("started", TIMEOUT)
        timing("process start to 'started' (imports, dataset scan, model build)", time.monotonic() - t0)
        first = run.wait_for("epoch", TIMEOUT)
        timing("'epoch' line delivery latency (received minus its t)", time.time() - first["t"])
        messages = self.finish(run)
        timing("train 2 epochs (yolo11n.yaml, 32+8 images, 128 px, CPU), process start to exit", time.monotonic() - t0)
        types = [m["type"] for m in messages]
        self.assertEqual(types[0], "started")
        self.assertEqual(types[-1], "finished")
        self.assertIn("progress", types)
        self.assertEqual([m["epoch"] for m in messages if m["type"] == "epoch"], [1, 2])
        self.assertEqual(types.count("checkpoint"), 2)
        started, finished = messages[0], messages[-1]
        self.assertEqual((started["train_images"], started["val_images"], started["device"]), (32, 8, "cpu"))
        epoch = next(m for m in messages if m["type"] == "epoch")
        for key in ("train/box_loss", "train/cls_loss", "train/dfl_loss"):
            self.assertIn(key, epoch["losses"])
        for key in ("metrics/precision(B)", "metrics/recall(B)", "metrics/mAP50(B)", "metrics/mAP50-95(B)", "val/box_loss"):
            self.assertIn(key, epoch["metrics"])
        self.assertIn("lr/pg0", epoch["lr"])
        self.assertEqual([c["class"] for c in finished["per_class"]], ["square", "disc"])
        self.assertEqual(finished["confusion_matrix"]["names"], ["square", "disc", "background"])
        self.assertGreater(sum(map(sum, finished["confusion_matrix"]["matrix"])), 0, "the final validation fills the matrix")
        best = Path(finished["artifacts"]["best"])
        self.assertTrue(best.is_file())
        self.assert_like_fixture(messages, "train-normal")
        timing("first epoch, train + validation", epoch["epoch_seconds"])

        t0 = time.monotonic()
        exported = self.finish(self.start(["export", "--weights", str(best), "--format", "onnx", "--opset", "17"]))
        timing("export ONNX", time.monotonic() - t0)
        self.assertEqual([m["type"] for m in exported], ["exported"])
        onnx = Path(exported[0]["path"])
        self.assertEqual(onnx.suffix, ".onnx")
        self.assertEqual(onnx.stat().st_size, exported[0]["bytes"])
        self.assertGreater(exported[0]["bytes"], 1_000_000)

    def test_stop_file_ends_a_run_cleanly_and_resume_completes_it(self):
        run = self.start(["train", "--spec", self.spec("stopped", 5)])
        run.wait_for("epoch", TIMEOUT)
        (self.root / "stopped.stop").touch()
        asked = time.monotonic()
        messages = self.finish(run)
        timing("stop file to process exit (epoch cut short, validated, saved, final validation)", time.monotonic() - asked)
        finished = messages[-1]
        self.assertEqual(finished["type"], "finished")
        self.assertTrue(finished["stopped_by_user"])
        self.assertTrue(finished["resumable"])
        self.assertLess(finished["epochs_completed"], 5)
        self.assertTrue(Path(finished["artifacts"]["last"]).is_file())
        self.assertTrue(Path(finished["artifacts"]["best"]).is_file())

        t0 = time.monotonic()
        resumed = self.finish(self.start(["train", "--spec", self.spec("stopped", 5, resume=True)]))
        timing(f"resume from epoch {finished['epochs_completed'] + 1} to 5", time.monotonic() - t0)
        self.assertTrue(resumed[0]["resumed"])
        self.assertEqual(resumed[0]["start_epoch"], finished["epochs_completed"] + 1)
        self.assertEqual([m["epoch"] for m in resumed if m["type"] == "epoch"], list(range(finished["epochs_completed"] + 1, 6)))
        self.assertEqual(resumed[-1]["type"], "finished")
        self.assertEqual(resumed[-1]["epochs_completed"], 5)
        self.assertFalse(resumed[-1]["resumable"])

    @unittest.skipIf(sys.platform == "win32", "POSIX signals")
    def test_sigint_ends_a_run_cleanly(self):
        run = self.start(["train", "--spec", self.spec("interrupted", 4)])
        run.wait_for("epoch", TIMEOUT)
        run.interrupt()
        asked = time.monotonic()
        messages = self.finish(run)
        timing("SIGINT to process exit", time.monotonic() - asked)
        finished = messages[-1]
        self.assertEqual(finished["type"], "finished")
        self.assertTrue(finished["stopped_by_user"])
        self.assertTrue(Path(finished["artifacts"]["last"]).is_file())

    def test_the_file_ultralytics_generates_for_several_gpus_trains_with_the_runtimes_trainer(self):
        """What a multi-GPU run depends on, short of the GPUs: Ultralytics' own `generate_ddp_file`
        names the runtime's trainer class, and running that file in a fresh interpreter (as
        torch.distributed.run would, here as a single process on the CPU) builds the trainer, trains,
        and reports through the relay. NCCL across real GPUs is not exercised here."""
        assert PYTHON
        script = f"""
import json, os, subprocess, sys
from pathlib import Path
from reticle_runtime import ddp
from reticle_runtime.spec import parse_spec
from reticle_runtime.train import train_arguments
spec = parse_spec(json.loads(Path({self.spec("ddp-file", 2)!r}).read_text()))
sent = []
with ddp.Launch(spec, "yolo11n.yaml", sent.append, package_root=Path({str(Path(__file__).resolve().parents[1])!r})) as launch:
    from ultralytics.utils.dist import generate_ddp_file
    trainer = ddp.trainer_for("detect")(overrides={{**train_arguments(spec), "model": "yolo11n.yaml"}})
    file = generate_ddp_file(trainer)
    content = Path(file).read_text()
    env = {{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}}
    env.update(PYTHONPATH=os.environ["PYTHONPATH"], LOCAL_RANK="-1", RANK="-1")
    subprocess.run([sys.executable, file], check=True, env=env, stdout=sys.stderr)
    os.unlink(file)
    launch.relay.stop()
    print(json.dumps({{"imports": [l.strip() for l in content.splitlines() if "import" in l and "reticle" in l], "sent": [m["type"] for m in sent], "finished": launch.result()}}))
"""
        started = time.monotonic()
        out = subprocess.run([PYTHON, "-c", script], env=environment(), capture_output=True, text=True, timeout=TIMEOUT)
        timing("generated multi-GPU file, 2 epochs on the CPU", time.monotonic() - started)
        self.assertEqual(out.returncode, 0, out.stderr[-3000:])
        report = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual(report["imports"], ["from reticle_runtime.ddp import ReticleDetectionTrainer"])
        self.assertEqual(report["sent"][0], "started")
        self.assertEqual(report["sent"].count("epoch"), 2)
        self.assertEqual(report["finished"]["epochs_completed"], 2)
        self.assertTrue(Path(report["finished"]["artifacts"]["best"]).is_file())


if __name__ == "__main__":
    unittest.main()
