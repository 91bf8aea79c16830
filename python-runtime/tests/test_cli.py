"""The runtime as the studio sees it: `python -m reticle_runtime ...` in a subprocess, its JSON lines.

CI has no torch and no Ultralytics, so these runs put the test doubles in tests/doubles on
PYTHONPATH (and only these tests do). What is asserted is what the app reads: message order,
that stdout is nothing but protocol lines, exit codes, files on disk, and that each scenario's
messages have exactly the types and keys of its golden file in tests/fixtures/runtime/,
recorded from the real Ultralytics.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import time
import unittest
from pathlib import Path
from typing import Any

from tests.runtime_process import DOUBLES, MISSING, RuntimeRun, environment, read_fixture, run_to_end, shapes_by_type

TRAIN_TIMEOUT = 60


def make_dataset(root: Path, names: tuple[str, ...] = ("cat", "dog", "bird"), train: int = 10, val: int = 4) -> Path:
    """Enough of a YOLO dataset for the double: a data.yaml and image files it can count."""
    for split, count in (("train", train), ("val", val)):
        folder = root / "images" / split
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            (folder / f"{i}.jpg").write_bytes(b"")
    body = "".join(f"  {i}: {n}\n" for i, n in enumerate(names))
    data = root / "data.yaml"
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{body}", encoding="utf-8")
    return data


class RuntimeTestCase(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.root = Path(tmp.name).resolve()
        self.data = make_dataset(self.root / "dataset")

    def spec(self, name: str = "run-1", **changes: Any) -> str:
        body = {
            "data": str(self.data),
            "model": "yolo11n.yaml",
            "epochs": 3,
            "imgsz": 128,
            "batch": 4,
            "device": "cpu",
            "project": str(self.root / "runs"),
            "name": name,
            "hyperparameters": {"lr0": 0.01, "patience": 50},
            "resume": False,
            "stop_file": str(self.root / f"{name}.stop"),
            **changes,
        }
        path = self.root / f"{name}-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        return str(path)

    def env(self, batch_seconds: float = 0.002, **extra: str) -> dict[str, str]:
        return environment([DOUBLES], ULTRALYTICS_DOUBLE_BATCH_SECONDS=str(batch_seconds), **extra)

    def start(self, args: list[str], env: dict[str, str]) -> RuntimeRun:
        run = RuntimeRun(args, env)
        self.addCleanup(run.close)
        return run

    def assert_only_protocol_lines(self, messages: list[dict[str, Any]], stderr: str = "") -> None:
        bad = [m for m in messages if m["type"] == "__not_json__"]
        self.assertEqual(bad, [], f"stdout carried something other than protocol lines\n{stderr[-2000:]}")

    def assert_like_fixture(self, messages: list[dict[str, Any]], fixture: str) -> None:
        """Same message types, and for each type exactly the same keys, as the golden file."""
        expected, actual = shapes_by_type(read_fixture(fixture)), shapes_by_type(messages)
        self.assertEqual(sorted(actual), sorted(expected), f"message types differ from {fixture}.jsonl")
        for kind in expected:
            self.assertEqual(actual[kind], expected[kind], f"'{kind}' keys differ from {fixture}.jsonl")

    def hold(self, epoch: int, after_batches: int = 0) -> tuple[dict[str, str], Path]:
        """The double's knobs that park the trainer in `epoch` after `after_batches` batches (see
        ULTRALYTICS_DOUBLE_HOLD_* in tests/doubles/ultralytics), and the gate file that lets it go
        on: what a test does while it waits lands there, whatever the machine's speed."""
        gate = self.root / f"hold-{time.monotonic_ns()}"
        knobs = {"ULTRALYTICS_DOUBLE_HOLD_FILE": str(gate), "ULTRALYTICS_DOUBLE_HOLD_AT_EPOCH": str(epoch), "ULTRALYTICS_DOUBLE_HOLD_AFTER_BATCH": str(after_batches)}
        return knobs, gate

    def wait_for_file(self, path: Path, timeout: float = TRAIN_TIMEOUT) -> None:
        """Waits until `path` exists; `timeout` is a hang guard, not a speed limit."""
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} did not appear within {timeout}s")
            time.sleep(0.01)

    def interrupt_after_an_epoch(self, batch_seconds: float = 0.002, **spec_changes: Any) -> dict[str, Any]:
        """SIGINT while the trainer waits at the start of epoch 2; the run must end by itself as
        stopped by the user."""
        knobs, gate = self.hold(2)
        run = self.start(["train", "--spec", self.spec(**spec_changes)], self.env(batch_seconds, **knobs))
        self.wait_for_file(Path(f"{gate}.waiting"))
        run.interrupt()
        # The trainer in the runtime's own process hears the signal and goes on; a training process
        # of its own (several GPUs) hears of it only through the stop file the runtime then writes,
        # and goes on once the test opens the gate.
        gate.touch()
        self.assertEqual(run.finish(TRAIN_TIMEOUT), 0, run.stderr())
        finished = run.messages[-1]
        self.assertEqual(finished["type"], "finished")
        self.assertTrue(finished["stopped_by_user"])
        return finished

    def assert_error(self, rc: int, messages: list[dict[str, Any]], code: str) -> dict[str, Any]:
        self.assertEqual(rc, 1)
        self.assertEqual([m["type"] for m in messages], ["error"], messages)
        error = messages[0]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"] and error["hint"])
        return error


class TrainTest(RuntimeTestCase):
    def test_a_run_reports_started_progress_epochs_checkpoints_and_finished_in_order(self):
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec()], self.env(), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assert_only_protocol_lines(messages, stderr)
        self.assertIn("Ultralytics (double)", stderr, "the library's own stdout printing belongs in the log")
        types = [m["type"] for m in messages]
        self.assertEqual(types[0], "started")
        self.assertEqual(types[1], "progress")
        self.assertEqual(types[-1], "finished")
        epochs = [m for m in messages if m["type"] == "epoch"]
        self.assertEqual([e["epoch"] for e in epochs], [1, 2, 3])
        after_epochs = [types[types.index("epoch", i) + 1] for i in range(len(types)) if types[i] == "epoch"]
        self.assertEqual(after_epochs, ["checkpoint"] * 3)
        started, finished = messages[0], messages[-1]
        self.assertEqual((started["train_images"], started["val_images"], started["classes"]), (10, 4, ["cat", "dog", "bird"]))
        self.assertEqual(started["device"], "cpu")
        self.assertIn("train/box_loss", epochs[0]["losses"])
        self.assertIn("metrics/mAP50-95(B)", epochs[0]["metrics"])
        self.assertIn("lr/pg0", epochs[0]["lr"])
        self.assertLess(abs(epochs[-1]["t"] - time.time()), 60)
        self.assertEqual(finished["epochs_completed"], 3)
        self.assertFalse(finished["stopped_by_user"] or finished["stopped_early"])
        self.assertEqual([c["class"] for c in finished["per_class"]], ["cat", "dog", "bird"])
        self.assertEqual(finished["confusion_matrix"]["names"], ["cat", "dog", "bird", "background"])
        for key in ("best", "last", "results_csv"):
            self.assertTrue(Path(finished["artifacts"][key]).is_file(), key)
        self.assert_like_fixture(messages, "train-normal")

    def test_the_stop_file_ends_the_run_early_with_resumable_weights_and_resume_continues(self):
        spec = self.spec(epochs=8)
        knobs, gate = self.hold(2)
        run = self.start(["train", "--spec", spec], self.env(**knobs))
        self.wait_for_file(Path(f"{gate}.waiting"))
        (self.root / "run-1.stop").touch()
        gate.touch()
        self.assertEqual(run.finish(TRAIN_TIMEOUT), 0, run.stderr())
        self.assert_only_protocol_lines(run.messages)
        finished = run.messages[-1]
        self.assertEqual(finished["type"], "finished")
        self.assertTrue(finished["stopped_by_user"])
        self.assertTrue(finished["resumable"])
        self.assertLess(finished["epochs_completed"], 8)
        last = Path(finished["artifacts"]["last"])
        self.assertGreaterEqual(json.loads(last.read_text())["epoch"], 0, "last.pt must keep its training state")
        self.assertTrue(Path(finished["artifacts"]["best"]).is_file())
        self.assert_like_fixture(run.messages, "train-stopped")

        rc, resumed, stderr = run_to_end(["train", "--spec", self.spec(epochs=8, resume=True)], self.env(), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(resumed[0]["type"], "started")
        self.assertTrue(resumed[0]["resumed"])
        self.assertEqual(resumed[0]["start_epoch"], finished["epochs_completed"] + 1)
        self.assertEqual([m["epoch"] for m in resumed if m["type"] == "epoch"], list(range(finished["epochs_completed"] + 1, 9)))
        self.assertEqual(resumed[-1]["epochs_completed"], 8)
        self.assertFalse(resumed[-1]["stopped_by_user"])
        self.assert_like_fixture(resumed, "train-resumed")

        rc, again, _ = run_to_end(["train", "--spec", self.spec(epochs=8, resume=True)], self.env(), TRAIN_TIMEOUT)
        self.assert_error(rc, again, "nothing_to_resume")

    @unittest.skipIf(sys.platform == "win32", "POSIX signals")
    def test_sigint_stops_politely_and_a_second_one_interrupts(self):
        finished = self.interrupt_after_an_epoch(epochs=20)
        self.assertTrue(Path(finished["artifacts"]["last"]).is_file())

        # A trainer slow to finish after the first SIGINT (stuck in a batch that ignores the stop):
        # the second SIGINT comes while the first is still being acted on.
        knobs, gate = self.hold(1, 1)
        impatient = self.start(["train", "--spec", self.spec("run-2", epochs=20)], self.env(ULTRALYTICS_DOUBLE_IGNORE_STOP="1", **knobs))
        self.wait_for_file(Path(f"{gate}.waiting"))
        impatient.proc.send_signal(signal.SIGINT)
        self.wait_for_file(Path(f"{gate}.signalled"))  # the runtime has heard the first one
        impatient.proc.send_signal(signal.SIGINT)
        self.assertEqual(impatient.finish(TRAIN_TIMEOUT), 1)
        self.assertEqual(impatient.messages[-1]["type"], "error")
        self.assertEqual(impatient.messages[-1]["code"], "interrupted")

    def test_patience_ends_the_run_early_without_calling_it_a_user_stop(self):
        env = self.env(ULTRALYTICS_DOUBLE_PLATEAU_AFTER="1")
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec(epochs=10, hyperparameters={"patience": 2})], env, TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        finished = messages[-1]
        self.assertTrue(finished["stopped_early"])
        self.assertFalse(finished["stopped_by_user"] or finished["resumable"])
        self.assertEqual(finished["epochs_completed"], 4)
        self.assertEqual(finished["best_epoch"], 2)

    def test_a_missing_dataset_is_one_error_line_and_exit_1(self):
        rc, messages, _ = run_to_end(["train", "--spec", self.spec(data=str(self.root / "nowhere" / "data.yaml"))], self.env())
        error = self.assert_error(rc, messages, "dataset_missing")
        self.assertIn("nowhere", error["message"])
        self.assert_like_fixture(messages, "train-error-dataset")

    def test_failures_a_user_can_fix_come_with_their_own_codes(self):
        broken = self.root / "broken.yaml"
        broken.write_text("train: images/train\nnames:\n  0: cat\n", encoding="utf-8")
        damaged = self.root / "damaged.pt"
        damaged.write_bytes(b"\x0b\x00not a checkpoint")
        cases = {
            "dataset_invalid": self.spec(data=str(broken)),
            "weights_invalid": self.spec(model=str(damaged)),
            "weights_missing": self.spec(model=str(self.root / "gone.pt")),
            "device_not_found": self.spec(device="0"),
            "invalid_hyperparameter": self.spec(hyperparameters={"lr9": 1}),
            "nothing_to_resume": self.spec(resume=True),
            "invalid_spec": str(self.root / "no-spec.json"),
        }
        for code, spec in cases.items():
            with self.subTest(code):
                rc, messages, _ = run_to_end(["train", "--spec", spec], self.env())
                self.assert_error(rc, messages, code)

    def test_several_gpus_on_a_cpu_only_machine_or_with_an_automatic_batch_are_refused_clearly(self):
        rc, messages, _ = run_to_end(["train", "--spec", self.spec(device="0,1")], self.env())
        self.assert_error(rc, messages, "device_not_found")
        rc, messages, _ = run_to_end(["train", "--spec", self.spec(device="0,1", batch=-1)], self.env(ULTRALYTICS_DOUBLE_GPUS="2"))
        error = self.assert_error(rc, messages, "invalid_hyperparameter")
        self.assertIn("several GPUs", error["message"])

    def test_without_ultralytics_train_says_the_runtime_is_missing(self):
        rc, messages, _ = run_to_end(["train", "--spec", self.spec()], environment([MISSING]))
        self.assert_error(rc, messages, "runtime_missing")


class MultiGpuTest(RuntimeTestCase):
    """`device: "0,1"`. The Ultralytics double pretends to have two GPUs and, as BaseTrainer.train()
    does, trains a device list in a new process that imports the trainer class by module path."""

    def env(self, batch_seconds: float = 0.002, **extra: str) -> dict[str, str]:
        return super().env(batch_seconds, ULTRALYTICS_DOUBLE_GPUS="2", **extra)

    def test_the_training_process_reports_through_the_runtime_as_a_one_gpu_run_does(self):
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec(device="0,1")], self.env(), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assert_only_protocol_lines(messages, stderr)
        self.assertIn("training on 2 GPUs", stderr)
        types = [m["type"] for m in messages]
        self.assertEqual((types[0], types[-1]), ("started", "finished"))
        self.assertEqual((messages[0]["device"], messages[0]["requested_device"]), ("cuda:0", "0,1"))
        self.assertEqual([m["epoch"] for m in messages if m["type"] == "epoch"], [1, 2, 3])
        finished = messages[-1]
        self.assertEqual(finished["epochs_completed"], 3)
        self.assertEqual(finished["confusion_matrix"]["names"], ["cat", "dog", "bird", "background"])
        for key in ("best", "last", "results_csv"):
            self.assertTrue(Path(finished["artifacts"][key]).is_file(), key)
        self.assert_like_fixture(messages, "train-normal")

    def test_the_stop_file_stops_the_training_process_and_resume_continues_on_both_gpus(self):
        knobs, gate = self.hold(2)
        run = self.start(["train", "--spec", self.spec(device="0,1", epochs=8)], self.env(**knobs))
        self.wait_for_file(Path(f"{gate}.waiting"))
        (self.root / "run-1.stop").touch()
        gate.touch()
        self.assertEqual(run.finish(TRAIN_TIMEOUT), 0, run.stderr())
        finished = run.messages[-1]
        self.assertEqual(finished["type"], "finished")
        self.assertTrue(finished["stopped_by_user"] and finished["resumable"])
        self.assertLess(finished["epochs_completed"], 8)
        self.assert_like_fixture(run.messages, "train-stopped")

        rc, resumed, stderr = run_to_end(["train", "--spec", self.spec(device="0,1", epochs=8, resume=True)], self.env(), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assertTrue(resumed[0]["resumed"])
        self.assertEqual([m["epoch"] for m in resumed if m["type"] == "epoch"], list(range(finished["epochs_completed"] + 1, 9)))
        self.assertEqual(resumed[-1]["epochs_completed"], 8)

    @unittest.skipIf(sys.platform == "win32", "POSIX signals")
    def test_sigint_to_the_runtime_reaches_the_training_process_through_the_stop_file(self):
        # No stop file in the spec: the runtime makes one for the training process, and writes it
        # when the signal comes; the training process stops at the end of the first epoch that
        # finds it there. 200 epochs of 0.15 s: half a minute for the runtime to write it.
        finished = self.interrupt_after_an_epoch(batch_seconds=0.05, device="0,1", epochs=200, stop_file=None)
        self.assertLess(finished["epochs_completed"], 200)

    def test_a_training_process_that_dies_is_one_error_line_with_its_exit_status(self):
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec(device="0,1")], self.env(ULTRALYTICS_DOUBLE_CRASH_AT_EPOCH="2"), TRAIN_TIMEOUT)
        self.assertEqual(rc, 1, stderr)
        self.assertEqual([m["type"] for m in messages][:1], ["started"])
        self.assertEqual(messages[-1]["type"], "error")
        self.assertIn("exit status 137", messages[-1]["message"])
        self.assertEqual([m["type"] for m in messages].count("error"), 1)


class ExportTest(RuntimeTestCase):
    def test_export_writes_an_onnx_file_and_reports_its_size(self):
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec(epochs=1)], self.env(), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        best = messages[-1]["artifacts"]["best"]
        rc, messages, stderr = run_to_end(["export", "--weights", best, "--format", "onnx", "--imgsz", "320", "--opset", "17"], self.env())
        self.assertEqual(rc, 0, stderr)
        self.assert_only_protocol_lines(messages, stderr)
        exported = messages[0]
        self.assertEqual(len(messages), 1)
        self.assertEqual(exported["format"], "onnx")
        self.assertTrue(exported["path"].endswith(".onnx"))
        self.assertEqual(Path(exported["path"]).stat().st_size, exported["bytes"])
        self.assert_like_fixture(messages, "export-onnx")

    def test_formats_without_their_toolchain_or_weights_are_refused_clearly(self):
        weights = self.root / "w.pt"
        weights.write_text("{}", encoding="utf-8")
        rc, messages, _ = run_to_end(["export", "--weights", str(weights), "--format", "rknn"], self.env())
        self.assertIn("rknn", self.assert_error(rc, messages, "unsupported_format")["message"])
        rc, messages, _ = run_to_end(["export", "--weights", str(weights), "--format", "gif"], self.env())
        self.assert_error(rc, messages, "unsupported_format")
        rc, messages, _ = run_to_end(["export", "--weights", str(self.root / "none.pt")], self.env())
        self.assert_error(rc, messages, "weights_missing")


class EnvTest(RuntimeTestCase):
    def test_env_on_a_cuda_box_lists_each_gpu_proven_by_a_tensor_op(self):
        rc, messages, stderr = run_to_end(["env"], environment([DOUBLES], TORCH_DOUBLE_PROFILE="cuda"))
        self.assertEqual(rc, 0, stderr)
        env = messages[0]
        self.assertEqual(env["cuda"]["devices"][0]["capability"], "8.9")
        self.assertTrue(env["cuda"]["devices"][0]["works"])
        self.assertTrue(env["cpu"]["works"])
        self.assertEqual(env["problems"], [])
        self.assert_like_fixture(messages, "env-cuda")

    def test_env_names_a_gpu_this_torch_build_cannot_run_on(self):
        rc, messages, _ = run_to_end(["env"], environment([DOUBLES], TORCH_DOUBLE_PROFILE="unsupported-gpu"))
        self.assertEqual(rc, 0)
        gpu = messages[0]["cuda"]["devices"][0]
        self.assertFalse(gpu["works"])
        self.assertIn("no kernel image", gpu["error"])
        self.assertIn("reinstall the runtime", messages[0]["problems"][0])
        self.assert_like_fixture(messages, "env-gpu-unsupported")

    def test_env_without_torch_reports_nulls_and_what_to_do_and_still_succeeds(self):
        rc, messages, _ = run_to_end(["env"], environment([MISSING]))
        self.assertEqual(rc, 0)
        self.assertEqual(len(messages), 1)
        env = messages[0]
        self.assertIsNone(env["torch"])
        self.assertIsNone(env["ultralytics"])
        self.assertIsNone(env["cuda"])
        self.assertTrue(any("PyTorch is not installed" in p for p in env["problems"]))
        self.assert_like_fixture(messages, "env-no-torch")

    def test_env_on_a_cpu_only_build(self):
        rc, messages, _ = run_to_end(["env"], environment([DOUBLES], TORCH_DOUBLE_PROFILE="cpu"))
        self.assertEqual(rc, 0)
        self.assertFalse(messages[0]["cuda"]["available"])
        self.assert_like_fixture(messages, "env-cpu")


class FixturesTest(unittest.TestCase):
    def test_every_golden_line_is_a_v1_message_of_a_known_type(self):
        from tests.runtime_process import FIXTURES

        known = {"version", "env", "started", "progress", "epoch", "checkpoint", "finished", "exported", "weights", "predicting", "prediction", "predicted", "error"}
        files = sorted(FIXTURES.glob("*.jsonl"))
        self.assertGreaterEqual(len(files), 6)
        for file in files:
            for message in read_fixture(file.stem):
                self.assertIn(message["type"], known, file.name)


if __name__ == "__main__":
    unittest.main()
