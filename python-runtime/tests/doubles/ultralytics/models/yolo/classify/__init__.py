"""TEST DOUBLE: `ultralytics.models.yolo.classify` (see the package docstring)."""

from ultralytics import ClassificationTrainer

__all__ = ["ClassificationTrainer"]
