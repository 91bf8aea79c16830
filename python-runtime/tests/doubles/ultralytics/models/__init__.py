"""TEST DOUBLE: `ultralytics.models` (see the package docstring)."""
