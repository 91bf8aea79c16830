"""`predict --weights X.pt --images LIST.txt`: auto-label's batch inference, as the studio sees it.

The runs go through the real CLI over the Ultralytics test double (tests/doubles/ultralytics,
engine/predictor.py): it places boxes by each image's size, so what a line must say is known.
The golden files predict-detect.jsonl and predict-classify.jsonl were recorded from the real
Ultralytics; the double's lines must have their keys.
"""

from __future__ import annotations

import signal
import struct
import time
import unittest
import zlib
from pathlib import Path
from typing import Any

from tests.runtime_process import DOUBLES, environment, run_to_end
from tests.test_cli import RuntimeTestCase
from tests.test_inspect import pretrained

TIMEOUT = 60


def png(path: Path, width: int, height: int) -> Path:
    """A real grey PNG (stdlib only): the double reads its size, so would OpenCV."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return path


class PredictTest(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.weights = pretrained(self.root / "best.pt", names=["cat", "dog", "bird"])
        self.predict_env = environment([DOUBLES], YOLO_CONFIG_DIR=str(self.root / "config"))

    def image_list(self, paths: list[Any]) -> str:
        listing = self.root / f"images-{time.monotonic_ns()}.txt"
        listing.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
        return str(listing)

    def predict(self, paths: list[Any], *extra: str, env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]], str]:
        args = ["predict", "--weights", str(self.weights), "--images", self.image_list(paths), *extra]
        return run_to_end(args, env or self.predict_env, TIMEOUT)

    def by_path(self, messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {m["path"]: m for m in messages if m["type"] == "prediction"}

    def test_each_image_gets_its_boxes_in_pixels_between_predicting_and_predicted(self):
        images = [png(self.root / "wide.png", 200, 100), png(self.root / "tall.png", 60, 120), png(self.root / "square.png", 50, 50)]
        rc, messages, stderr = self.predict(images, "--conf", "0.5", "--batch", "2", "--imgsz", "320")
        self.assertEqual(rc, 0, stderr)
        self.assertNotIn("__not_json__", [m["type"] for m in messages], stderr)
        first, last = messages[0], messages[-1]
        self.assertEqual(first["type"], "predicting")
        self.assertEqual((first["task"], first["names"], first["device"], first["images"], first["batch"], first["imgsz"]), ("detect", ["cat", "dog", "bird"], "cpu", 3, 2, 320))
        self.assertEqual(last["type"], "predicted")
        self.assertEqual((last["images"], last["failed"], last["cancelled"], last["device"]), (3, 0, False, "cpu"))
        wide = self.by_path(messages)[str(images[0])]
        self.assertEqual((wide["width"], wide["height"], wide["top"], wide["error"]), (200, 100, None, None))
        # The double's two boxes above 0.5, at fixed fractions of the image.
        self.assertEqual(wide["boxes"], [[20.0, 20.0, 100.0, 60.0, 0.91, 0], [110.0, 50.0, 190.0, 90.0, 0.62, 1]])
        self.assertEqual(self.by_path(messages)[str(images[1])]["boxes"][0][:4], [6.0, 24.0, 30.0, 72.0])
        self.assertEqual(len(self.by_path(messages)), 3)

    def test_max_det_and_conf_limit_the_boxes(self):
        image = png(self.root / "a.png", 100, 100)
        _, messages, _ = self.predict([image], "--conf", "0.05", "--max-det", "2")
        self.assertEqual([b[4] for b in self.by_path(messages)[str(image)]["boxes"]], [0.91, 0.62])
        _, messages, _ = self.predict([image], "--conf", "0.95")
        self.assertEqual(self.by_path(messages)[str(image)]["boxes"], [])

    def test_an_image_that_cannot_be_used_is_reported_and_the_others_are_predicted(self):
        good = [png(self.root / f"img-{i}.png", 40 + i, 30) for i in range(4)]
        corrupt_first = self.root / "a-corrupt.jpg"
        corrupt_first.write_bytes(b"\xff\xd8 not really a JPEG")
        # Last in the loader's order, and alone in its batch: Ultralytics' loader hands the
        # predictor an empty batch there, which fails in the real one too.
        corrupt_last = self.root / "z-corrupt.png"
        corrupt_last.write_text("<html>a web page</html>", encoding="utf-8")
        missing, folder, video = self.root / "gone.jpg", self.root, png(self.root / "clip.mp4", 10, 10)
        listed = [corrupt_last, *good[:2], missing, corrupt_first, folder, video, *good[2:]]
        rc, messages, stderr = self.predict(listed, "--batch", "2", "--conf", "0.001")
        self.assertEqual(rc, 0, stderr)
        self.assertIn("Image Read Error", stderr)
        found = self.by_path(messages)
        self.assertEqual(set(found), {str(p) for p in listed})
        for image in good:
            self.assertIsNone(found[str(image)]["error"])
            self.assertEqual(len(found[str(image)]["boxes"]), 3)
        codes = {path: found[str(path)]["error"]["code"] for path in (corrupt_first, corrupt_last, missing, folder, video)}
        self.assertEqual(codes, {corrupt_first: "image_unreadable", corrupt_last: "image_unreadable", missing: "image_missing", folder: "image_unreadable", video: "image_unsupported"})
        self.assertEqual((found[str(missing)]["width"], found[str(missing)]["boxes"]), (0, None))
        self.assertEqual((messages[-1]["images"], messages[-1]["failed"]), (4, 5))

    def test_lines_have_the_keys_real_ultralytics_gave(self):
        images = [png(self.root / f"val_{i}.png", 128, 128) for i in range(3)]
        corrupt = self.root / "zz_bad.jpg"
        corrupt.write_bytes(b"not an image")
        _, messages, _ = self.predict([*images, corrupt, self.root / "missing.jpg", self.root / "notes.json"], "--conf", "0.001", "--imgsz", "128", "--batch", "4")
        self.assert_like_fixture(messages, "predict-detect")
        classifier = pretrained(self.root / "cls.pt", task="classify", names=["square", "disc"])
        rc, messages, stderr = run_to_end(["predict", "--weights", str(classifier), "--images", self.image_list(images), "--imgsz", "32"], self.predict_env, TIMEOUT)
        self.assertEqual(rc, 0, stderr)
        self.assert_like_fixture(messages, "predict-classify")

    def test_a_classifier_lists_classes_by_probability(self):
        self.weights = pretrained(self.root / "cls.pt", task="classify", names=["a", "b", "c", "d"])
        image = png(self.root / "x.png", 10, 3)  # (10 + 3) % 4 = class 1
        rc, messages, stderr = self.predict([image], "--max-det", "3")
        self.assertEqual(rc, 0, stderr)
        line = self.by_path(messages)[str(image)]
        self.assertEqual((messages[0]["task"], line["boxes"]), ("classify", None))
        self.assertEqual([c for c, _ in line["top"]], [1, 0, 2])
        self.assertEqual(line["top"][0][1], 0.7)

    def test_sigterm_stops_between_images_and_says_so(self):
        images = [png(self.root / f"{i:02d}.png", 32, 32) for i in range(10)]
        gate = self.root / "gate"
        args = ["predict", "--weights", str(self.weights), "--images", self.image_list(images), "--batch", "3"]
        run = self.start(args, {**self.predict_env, "ULTRALYTICS_DOUBLE_PREDICT_HOLD_FILE": str(gate)})
        self.wait_for_file(Path(f"{gate}.waiting"), TIMEOUT)
        run.proc.send_signal(signal.SIGTERM)
        self.assertEqual(run.finish(TIMEOUT), 0, run.stderr())
        last = run.messages[-1]
        self.assertEqual(last["type"], "predicted")
        self.assertTrue(last["cancelled"])
        self.assertEqual(last["images"], 3, "the first batch, and nothing after the signal")
        self.assertEqual(len(self.by_path(run.messages)), 3)

    def test_what_cannot_run_at_all_is_one_error_line(self):
        image = png(self.root / "a.png", 20, 20)
        cases = [
            (["--conf", "2"], "usage"),
            (["--device", "3"], "device_not_found"),
        ]
        for extra, code in cases:
            rc, messages, _ = self.predict([image], *extra)
            self.assertEqual((rc, [m["type"] for m in messages], messages[-1]["code"]), (1, ["error"], code), extra)
        rc, messages, _ = run_to_end(["predict", "--weights", str(self.root / "none.pt"), "--images", self.image_list([image])], self.predict_env, TIMEOUT)
        self.assertEqual(messages[-1]["code"], "weights_missing")
        rc, messages, _ = run_to_end(["predict", "--weights", str(self.weights), "--images", str(self.root / "no-list.txt")], self.predict_env, TIMEOUT)
        self.assertEqual((rc, messages[-1]["code"]), (1, "usage"))

    def test_an_empty_list_predicts_nothing_and_ends_cleanly(self):
        rc, messages, stderr = self.predict([])
        self.assertEqual(rc, 0, stderr)
        self.assertEqual([m["type"] for m in messages], ["predicting", "predicted"])
        self.assertEqual(messages[-1]["images"], 0)


if __name__ == "__main__":
    unittest.main()
