"""`inspect --weights`: what a weights file is, and a clear refusal for what is not a model;
and the offline guard every command that imports Ultralytics installs."""

from __future__ import annotations

import json
import tempfile
import unittest
import zipfile
from pathlib import Path

from tests.runtime_process import DOUBLES, FIXTURES, environment, run_to_end


def pretrained(path: Path, task: str = "detect", names: list[str] | None = None) -> Path:
    """A double "pretrained" file: the test double's checkpoint JSON inside a zip, as torch saves."""
    ckpt = {"format": "ultralytics-double-checkpoint", "epoch": -1, "optimizer": None, "task": task, "names": names or ["person", "bicycle", "car"], "train_args": {"imgsz": 640}}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model/data.json", json.dumps(ckpt))
    return path


class InspectTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp())
        self.config = self.dir / "config"
        self.env = environment([DOUBLES], YOLO_CONFIG_DIR=str(self.config), RETICLE_WEIGHTS_DIR=str(self.dir / "library"))

    def test_a_model_says_its_task_and_class_names(self):
        weights = pretrained(self.dir / "yolo11n.pt", names=["person", "bicycle"])
        rc, messages, stderr = run_to_end(["inspect", "--weights", str(weights)], self.env)
        self.assertEqual(rc, 0, stderr)
        self.assertEqual(messages[-1]["type"], "weights")
        self.assertEqual((messages[-1]["task"], messages[-1]["names"], messages[-1]["imgsz"]), ("detect", ["person", "bicycle"], 640))
        self.assertEqual(messages[-1]["bytes"], weights.stat().st_size)
        recorded = json.loads((FIXTURES / "inspect-detect.jsonl").read_text(encoding="utf-8"))
        self.assertEqual(set(messages[-1]), set(recorded), "the double's answer has the keys real Ultralytics' had")

    def test_a_web_page_saved_as_pt_is_refused_as_weights_invalid(self):
        page = self.dir / "yolo11n.pt"
        page.write_text("<!doctype html><title>Sign in to the network</title>", encoding="utf-8")
        rc, messages, _ = run_to_end(["inspect", "--weights", str(page)], self.env)
        self.assertEqual(rc, 1)
        self.assertEqual(messages[-1]["code"], "weights_invalid")
        self.assertIn("yolo11n.pt is not an Ultralytics model", messages[-1]["message"])

    def test_a_cut_off_file_is_refused(self):
        whole = pretrained(self.dir / "whole.pt").read_bytes()
        cut = self.dir / "cut.pt"
        cut.write_bytes(whole[: len(whole) // 2])
        rc, messages, _ = run_to_end(["inspect", "--weights", str(cut)], self.env)
        self.assertEqual((rc, messages[-1]["code"]), (1, "weights_invalid"))

    def test_a_missing_file_is_weights_missing(self):
        rc, messages, _ = run_to_end(["inspect", "--weights", str(self.dir / "nope.pt")], self.env)
        self.assertEqual((rc, messages[-1]["code"]), (1, "weights_missing"))

    def test_the_offline_guard_quiets_ultralytics_and_points_it_at_the_library(self):
        rc, _, stderr = run_to_end(["inspect", "--weights", str(pretrained(self.dir / "m.pt"))], self.env)
        self.assertEqual(rc, 0, stderr)
        settings = json.loads((self.config / "Ultralytics" / "settings.json").read_text(encoding="utf-8"))
        self.assertEqual((settings["weights_dir"], settings["sync"], settings["hub"]), (str(self.dir / "library"), False, False))


class DownloadRefusalTest(unittest.TestCase):
    def test_a_download_ultralytics_attempts_fails_at_once_as_offline(self):
        import os
        import sys

        os.environ["YOLO_CONFIG_DIR"] = tempfile.mkdtemp()  # the double's settings file goes there, not home
        sys.path.insert(0, str(DOUBLES))
        try:
            from reticle_runtime import offline
            from ultralytics.utils import downloads

            offline.after_import()
            with self.assertRaises(ConnectionError):
                downloads.safe_download(url="https://github.com/ultralytics/assets/releases/download/v8.4.0/yolo26n.pt")
            self.assertEqual(offline.attempts[-1], "https://github.com/ultralytics/assets/releases/download/v8.4.0/yolo26n.pt")
            # The font check asks whether Arial.ttf can be downloaded: answered no, without a request.
            self.assertFalse(downloads.is_url("https://github.com/ultralytics/assets/releases/download/v0.0.0/Arial.ttf", check=True))
            self.assertTrue(downloads.is_url("https://example.com/a.pt"))
        finally:
            sys.path.remove(str(DOUBLES))


if __name__ == "__main__":
    unittest.main()
