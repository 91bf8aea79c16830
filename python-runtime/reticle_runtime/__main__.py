"""`python -m reticle_runtime <command> [args]`: one JSON object per line on stdout, logs on stderr.

Commands: `version`, `env`, `train --spec FILE.json`, `export --weights X.pt --format onnx`,
`inspect --weights X.pt` (what a weights file is: task and class names),
`predict --weights X.pt --images LIST.txt` (auto-label: one line per image).
Exit status: 0 when the command did its job (a training run stopped by the user included),
1 after an `error` line, 2 for a command line the runtime does not understand.
"""

from __future__ import annotations

import argparse
import platform
import sys
import traceback
from typing import NoReturn

from . import __version__, protocol
from .errors import RuntimeFailure, describe

COMMANDS = ("version", "env", "train", "export", "inspect", "predict")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse prints usage and exits; the studio needs an `error` line instead."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m reticle_runtime", description="Reticle Studio's training runtime (JSON lines on stdout).")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("version", help="the runtime and protocol versions")
    sub.add_parser("env", help="what this environment can train on, each device tested")
    train = sub.add_parser("train", help="train a YOLO model from a JSON spec")
    train.add_argument("--spec", required=True, help="path of the training spec (JSON)")
    export = sub.add_parser("export", help="export trained weights")
    export.add_argument("--weights", required=True)
    export.add_argument("--format", default="onnx")
    export.add_argument("--imgsz", type=int, default=None)
    export.add_argument("--opset", type=int, default=None)
    inspect = sub.add_parser("inspect", help="load a weights file and say what it is")
    inspect.add_argument("--weights", required=True)
    predict = sub.add_parser("predict", help="predict on a list of images, batched (auto-label)")
    predict.add_argument("--weights", required=True)
    predict.add_argument("--images", required=True, help="a text file with one image path a line")
    predict.add_argument("--conf", type=float, default=0.25)
    predict.add_argument("--iou", type=float, default=0.7)
    predict.add_argument("--imgsz", type=int, default=640)
    predict.add_argument("--device", default="cpu", help="cpu, mps or one GPU index")
    predict.add_argument("--batch", type=int, default=16)
    predict.add_argument("--max-det", type=int, default=300, help="boxes per image at most; classes for a classifier")
    return parser


def dispatch(args: argparse.Namespace, emit: protocol.Emit) -> int:
    # Each command module is imported only when used: `env` must run where the others cannot.
    if args.command == "version":
        emit(protocol.version(runtime=__version__, python=platform.python_version()))
        return 0
    if args.command == "env":
        from . import env

        return env.run(emit)
    if args.command == "train":
        from . import train

        return train.run(args.spec, emit)
    if args.command == "export":
        from . import export

        return export.run(args.weights, args.format, args.imgsz, args.opset, emit)
    if args.command == "inspect":
        from . import inspect_weights

        return inspect_weights.run(args.weights, emit)
    if args.command == "predict":
        from . import predict

        return predict.run(args, emit)
    raise UsageError(f"unknown command; expected one of {', '.join(COMMANDS)}")


def main(argv: list[str], emit: protocol.Emit) -> int:
    if not argv or argv[0] not in COMMANDS:
        emit(protocol.error(code="usage", message=f"unknown command; expected one of {', '.join(COMMANDS)}", hint=None))
        return 2
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        emit(protocol.error(code="usage", message=str(exc), hint=None))
        return 2
    try:
        return dispatch(args, emit)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one error line
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            return 0
        if not isinstance(exc, RuntimeFailure):
            traceback.print_exc(file=sys.stderr)
        failure = describe(exc)
        print(f"[reticle] error {failure.code}: {failure.message}", file=sys.stderr, flush=True)
        emit(protocol.error(code=failure.code, message=failure.message, hint=failure.hint))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], protocol.open_protocol_channel()))
