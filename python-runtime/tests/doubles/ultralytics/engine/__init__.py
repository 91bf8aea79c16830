"""TEST DOUBLE: `ultralytics.engine` (see the package docstring and `predictor.py`)."""
