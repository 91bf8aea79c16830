"""The parent's side of a multi-GPU run: relaying what the rank-0 process writes, and failures.

The whole path (a process started by the Ultralytics test double importing the runtime's trainer
class, reporting through the relay) is tested in test_cli.MultiGpuTest; these are its edges."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from reticle_runtime import ddp
from reticle_runtime.errors import RuntimeFailure


def line(message: dict) -> bytes:
    return (json.dumps(message) + "\n").encode()


class RelayTest(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.path = Path(tmp.name) / "events.jsonl"
        self.sent: list[dict] = []
        self.relay = ddp.Relay(self.path, self.sent.append)

    def append(self, data: bytes) -> None:
        with open(self.path, "ab") as f:
            f.write(data)

    def test_sends_whole_lines_in_order_and_waits_for_the_rest_of_a_half_written_one(self):
        self.relay.pump()  # no file yet: nothing, no error
        self.append(line({"type": "started", "n": 1}) + b'{"type": "progress", ')
        self.relay.pump()
        self.assertEqual([m["type"] for m in self.sent], ["started"])
        self.append(b'"n": 2}\n' + line({"type": "epoch", "n": 3}))
        self.relay.pump()
        self.assertEqual([m["n"] for m in self.sent], [1, 2, 3])

    def test_keeps_finished_and_error_back_and_drops_lines_that_are_not_json(self):
        self.append(b"Traceback (most recent call last)\n" + line({"type": "finished", "epochs_completed": 3}) + line([1, 2]))
        self.relay.pump()
        self.assertEqual(self.sent, [])
        self.assertEqual(self.relay.kept["finished"]["epochs_completed"], 3)

    def test_the_thread_follows_the_file_until_stopped_and_then_reads_what_is_left(self):
        self.relay.interval = 0.01
        self.relay.start()
        self.append(line({"type": "started"}))
        deadline = time.monotonic() + 30  # a hang guard: the thread reads it within moments
        while not self.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(len(self.sent), 1)
        self.append(line({"type": "epoch"}))
        self.relay.stop()
        self.assertEqual([m["type"] for m in self.sent], ["started", "epoch"])


class LaunchTest(unittest.TestCase):
    def launch(self) -> ddp.Launch:
        from reticle_runtime.spec import parse_spec

        spec = parse_spec({"data": "/d/data.yaml", "model": "yolo11n.yaml", "epochs": 2, "imgsz": 64, "batch": 8, "device": "0,1", "project": "/p", "name": "r"})
        launch = ddp.Launch(spec, "yolo11n.yaml", lambda _m: None, package_root=Path(__file__).resolve().parents[1])
        self.addCleanup(launch.__exit__)
        return launch

    def test_gives_the_training_process_a_stop_file_when_the_spec_has_none_and_cleans_up(self):
        launch = self.launch()
        with launch:
            context = json.loads(Path(launch._context).read_text())
            self.assertEqual(context["spec"]["stop_file"], str(launch.stop_file))
            launch.request_stop()
            self.assertTrue(launch.stop_file.exists())
        self.assertFalse(launch.stop_file.exists())
        self.assertFalse(Path(launch._context).exists())

    def test_a_failure_is_what_rank_0_said_else_the_exit_status(self):
        launch = self.launch()
        crash = subprocess.CalledProcessError(137, ["python", "-m", "torch.distributed.run"])
        self.assertIn("exit status 137", launch.failure(crash).message)
        launch.relay.kept["error"] = {"type": "error", "code": "gpu_out_of_memory", "message": "CUDA out of memory.", "hint": "Lower the batch."}
        failure = launch.failure(crash)
        self.assertEqual((failure.code, failure.hint), ("gpu_out_of_memory", "Lower the batch."))
        with self.assertRaises(RuntimeFailure) as raised:
            launch.result()
        self.assertEqual(raised.exception.code, "gpu_out_of_memory")

    def test_training_that_ends_without_a_result_says_so(self):
        with self.assertRaises(RuntimeFailure) as raised:
            self.launch().result()
        self.assertEqual(raised.exception.code, "internal")

    def test_tasks_other_than_detect_and_classify_are_refused_on_several_gpus(self):
        with self.assertRaises(RuntimeFailure) as raised:
            ddp.trainer_for("segment")
        self.assertEqual(raised.exception.code, "multi_gpu_unsupported")


if __name__ == "__main__":
    unittest.main()
