"""TEST DOUBLE of `ultralytics.utils.patches.imread`. CI has no OpenCV: an "image" here is a PNG
or a baseline/progressive JPEG whose size its header gives. Anything else reads as None, as
`cv2.imdecode` answers for bytes it cannot decode. EXIF orientation is not read."""

from __future__ import annotations

import struct
from types import SimpleNamespace
from typing import Any

# JPEG start-of-frame markers (those that carry the frame's size).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's start of frame, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in _SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return (width, height) if width and height else None
        i += 2 + length
    return None


def imread(filename: str, flags: Any = None) -> Any:
    """An object with the decoded image's `shape` (height, width, 3), or None."""
    try:
        with open(filename, "rb") as f:
            size = image_size(f.read(1 << 20))
    except OSError:
        return None
    return SimpleNamespace(shape=(size[1], size[0], 3)) if size else None
