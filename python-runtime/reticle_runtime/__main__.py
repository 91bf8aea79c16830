"""`python -m reticle_runtime <command>`: one JSON object per line on stdout."""

import json
import sys

from . import PROTOCOL_VERSION, __version__

COMMANDS = ("version",)


def emit(kind: str, **fields) -> None:
    sys.stdout.write(json.dumps({"v": PROTOCOL_VERSION, "type": kind, **fields}) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        emit("error", message=f"unknown command; expected one of {', '.join(COMMANDS)}")
        return 2
    emit("version", runtime=__version__, protocol=PROTOCOL_VERSION, python=sys.version.split()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
