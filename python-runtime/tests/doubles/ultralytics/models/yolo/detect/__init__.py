"""TEST DOUBLE: `ultralytics.models.yolo.detect` (see the package docstring)."""

from ultralytics import DetectionTrainer

__all__ = ["DetectionTrainer"]
