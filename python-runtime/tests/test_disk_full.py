"""A disk that fills up while a run trains: the runtime ends with one `disk_full` error line the
studio can show ("The disk is full." and what to do), keeps the last checkpoint it saved whole,
and once space is freed the run resumes from it and completes.

The runs use the torch and Ultralytics test doubles (tests/doubles) and a test double of the disk
(tests/full_disk/sitecustomize.py: while a flag file exists, writes into the run folder fail with
ENOSPC, as they do on a full disk). What torch itself says when a checkpoint cannot be written
(no errno, only "file write failed") is checked on the messages it gave on a real full tmpfs.
"""

from __future__ import annotations

import json
import unittest
from pathlib import Path

from reticle_runtime.errors import describe, torch_write_failure
from tests.runtime_process import DOUBLES, RUNTIME_ROOT, environment, run_to_end
from tests.test_cli import TRAIN_TIMEOUT, RuntimeTestCase

FULL_DISK = RUNTIME_ROOT / "tests" / "full_disk"


class DiskFullWhileTrainingTest(RuntimeTestCase):
    def disk_env(self, batch_seconds: float, **knobs: str) -> dict[str, str]:
        return environment(
            [FULL_DISK, DOUBLES],
            ULTRALYTICS_DOUBLE_BATCH_SECONDS=str(batch_seconds),
            RETICLE_FULL_DISK_DIR=str(self.root / "runs"),
            RETICLE_FULL_DISK_FLAG=str(self.flag),
            **knobs,
        )

    def setUp(self) -> None:
        super().setUp()
        self.flag = self.root / "disk-is-full"

    def test_a_disk_that_fills_mid_run_ends_it_with_disk_full_and_resume_finishes_it(self):
        knobs, gate = self.hold(2)
        run = self.start(["train", "--spec", self.spec(epochs=3)], self.disk_env(batch_seconds=0.002, **knobs))
        first = run.wait_for("epoch", TRAIN_TIMEOUT)
        self.assertEqual(first["epoch"], 1)
        # The disk fills while the trainer waits at the start of epoch 2, before it writes
        # results.csv and last.pt.
        self.wait_for_file(Path(f"{gate}.waiting"))
        self.flag.touch()
        gate.touch()

        self.assertEqual(run.finish(TRAIN_TIMEOUT), 1, run.stderr())
        self.assert_only_protocol_lines(run.messages, run.stderr())
        error = run.messages[-1]
        self.assertEqual(error["type"], "error")
        self.assertEqual(error["code"], "disk_full")
        self.assertEqual(error["message"], "The disk is full.")
        self.assertIn("Free some disk space", error["hint"])
        self.assertEqual([m["epoch"] for m in run.messages if m["type"] == "epoch"], [1])
        self.assertIn("No space left on device", run.stderr(), "the traceback belongs in the log")

        # Epoch 1's checkpoint is whole and still holds its training state.
        last = self.root / "runs" / "run-1" / "weights" / "last.pt"
        checkpoint = json.loads(last.read_text(encoding="utf-8"))
        self.assertEqual(checkpoint["epoch"], 0)
        self.assertIsNotNone(checkpoint["optimizer"])

        self.flag.unlink()  # space freed
        rc, resumed, stderr = run_to_end(["train", "--spec", self.spec(epochs=3, resume=True)], self.disk_env(batch_seconds=0.002), TRAIN_TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(resumed[0]["type"], "started")
        self.assertTrue(resumed[0]["resumed"])
        self.assertEqual([m["epoch"] for m in resumed if m["type"] == "epoch"], [2, 3])
        self.assertEqual(resumed[-1]["type"], "finished")
        self.assertEqual(resumed[-1]["epochs_completed"], 3)

    def test_a_disk_full_before_the_first_checkpoint_is_still_a_disk_full_error(self):
        self.flag.touch()
        rc, messages, stderr = run_to_end(["train", "--spec", self.spec(epochs=2)], self.disk_env(batch_seconds=0.002), TRAIN_TIMEOUT)
        self.assertEqual(rc, 1, stderr)
        self.assertEqual(messages[-1]["type"], "error")
        self.assertEqual(messages[-1]["code"], "disk_full")
        self.assertFalse((self.root / "runs" / "run-1" / "weights" / "last.pt").exists())


def torch_write_error() -> RuntimeError:
    """The exception chain torch 1.13 raised for `torch.save(obj, path)` on a full tmpfs."""
    try:
        try:
            raise RuntimeError("[enforce fail at inline_container.cc:445] . PytorchStreamWriter failed writing file data/0: file write failed")
        except RuntimeError:
            raise RuntimeError("[enforce fail at inline_container.cc:325] . unexpected pos 320 vs 248") from None
    except RuntimeError as outer:
        # `from None` hides the context from printing but keeps it, as torch's chain does.
        return outer


class TorchWriteFailureTest(unittest.TestCase):
    def test_torch_failing_to_write_a_checkpoint_is_a_full_disk(self):
        failure = torch_write_failure(torch_write_error())
        self.assertIsNotNone(failure)
        assert failure is not None
        self.assertEqual(failure.code, "disk_full")
        self.assertIn("disk is most likely full", failure.message)
        self.assertIn("resume the run", failure.hint or "")
        # Raised from the trainer's error, it is what the error line says.
        try:
            raise failure from torch_write_error()
        except Exception as exc:  # noqa: BLE001 - the runtime's main catches everything the same way
            self.assertEqual(describe(exc).code, "disk_full")

    def test_other_runtime_errors_are_left_to_describe(self):
        self.assertIsNone(torch_write_failure(RuntimeError("CUDA out of memory. Tried to allocate 20.00 MiB")))
        self.assertIsNone(torch_write_failure(RuntimeError("shape '[4, 3]' is invalid for input of size 10")))


if __name__ == "__main__":
    unittest.main()
