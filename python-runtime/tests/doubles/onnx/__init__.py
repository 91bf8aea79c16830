"""TEST DOUBLE standing for the `onnx` package, which the runtime's export checks for before it
asks Ultralytics for an ONNX export. Not ONNX: the ultralytics double writes the file itself."""

__version__ = "1.17.0"
