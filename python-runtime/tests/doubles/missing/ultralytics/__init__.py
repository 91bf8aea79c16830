"""TEST DOUBLE standing for a Python environment WITHOUT `ultralytics`: importing it fails exactly as
an absent package does. The runtime's tests put `tests/doubles/missing` first on PYTHONPATH to
play such an environment, even on a developer machine where ultralytics is installed."""

raise ModuleNotFoundError("No module named 'ultralytics'", name="ultralytics")
