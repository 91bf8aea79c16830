"""Reticle Studio's Python runtime: the process the studio starts to train, export and probe
Ultralytics YOLO models. Each subcommand writes versioned JSON lines to stdout (see
`protocol.py`) and logs to stderr. Only the standard library is imported at module level:
`env` has to run, and say what is missing, in an environment without torch or Ultralytics."""

PROTOCOL_VERSION = 1
__version__ = "0.2.0"
