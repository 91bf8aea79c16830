"""Writes a tiny YOLO detection dataset of drawn shapes, for real-training tests.

Run it with an interpreter that has Pillow (the Ultralytics one): it is not imported by the
unit tests, which must run on a Python without third-party packages.

    python make_synthetic_dataset.py OUT_DIR [--train 32] [--val 8] [--size 128] [--classify]

Two classes, squares and discs, 1-3 per image at random places and sizes, so a few epochs
of training make the metrics move. With --classify: a classification dataset instead, one shape
per picture in train/<class>/ and val/<class>/ (`--train` and `--val` pictures per class).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from PIL import Image, ImageDraw

CLASSES = ("square", "disc")


def shape(pen: ImageDraw.ImageDraw, cls: int, box: tuple[int, int, int, int]) -> None:
    if cls == 0:
        pen.rectangle(box, fill=(230, 60, 40))
    else:
        pen.ellipse(box, fill=(60, 120, 240))


def draw(path: Path, label: Path, size: int, rng: random.Random) -> None:
    background = tuple(rng.randint(0, 90) for _ in range(3))
    image = Image.new("RGB", (size, size), background)
    pen = ImageDraw.Draw(image)
    lines = []
    for _ in range(rng.randint(1, 3)):
        cls = rng.randrange(len(CLASSES))
        side = rng.randint(size // 6, size // 3)
        x0, y0 = rng.randint(0, size - side), rng.randint(0, size - side)
        box = (x0, y0, x0 + side, y0 + side)
        shape(pen, cls, box)
        cx, cy = (x0 + side / 2) / size, (y0 + side / 2) / size
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {side / size:.6f} {side / size:.6f}")
    image.save(path, quality=95)
    label.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make(root: Path, train: int = 32, val: int = 8, size: int = 128, seed: int = 0) -> Path:
    rng = random.Random(seed)
    for split, count in (("train", train), ("val", val)):
        images, labels = root / "images" / split, root / "labels" / split
        images.mkdir(parents=True, exist_ok=True)
        labels.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            draw(images / f"{split}_{i:03d}.jpg", labels / f"{split}_{i:03d}.txt", size, rng)
    data = root / "data.yaml"
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASSES))
    data.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{names}\n", encoding="utf-8")
    return data


def make_classify(root: Path, train: int = 12, val: int = 4, size: int = 64, seed: int = 0) -> Path:
    rng = random.Random(seed)
    for split, count in (("train", train), ("val", val)):
        for cls, name in enumerate(CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                image = Image.new("RGB", (size, size), tuple(rng.randint(0, 90) for _ in range(3)))
                side = rng.randint(size // 3, size - 8)
                x0, y0 = rng.randint(0, size - side), rng.randint(0, size - side)
                shape(ImageDraw.Draw(image), cls, (x0, y0, x0 + side, y0 + side))
                image.save(folder / f"{name}_{i:03d}.jpg", quality=95)
    return root


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--train", type=int, default=32)
    parser.add_argument("--val", type=int, default=8)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--classify", action="store_true")
    a = parser.parse_args()
    print((make_classify if a.classify else make)(Path(a.out).resolve(), a.train, a.val, a.size))
