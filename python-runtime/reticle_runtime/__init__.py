"""Reticle Studio's Python runtime: the process the studio starts to train, export and probe
Ultralytics YOLO models. Each subcommand writes versioned JSON lines to stdout and logs to
stderr. The training issue fills in `env`, `train` and `export`."""

PROTOCOL_VERSION = 1
__version__ = "0.1.0"
