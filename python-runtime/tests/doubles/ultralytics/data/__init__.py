"""TEST DOUBLE: `ultralytics.data` (see the package docstring)."""
