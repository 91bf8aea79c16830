"""TEST DOUBLE: `ultralytics.models.yolo` (see the package docstring)."""
