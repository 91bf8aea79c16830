"""TEST DOUBLE of a full disk, for the runtime processes of the fault tests (and nothing else).

Python imports `sitecustomize` at start-up from the first folder on its path that holds one, so
putting this folder on PYTHONPATH installs it in every runtime process a test starts. It does
nothing unless both variables are set:

RETICLE_FULL_DISK_DIR   the folder that lies on the pretend disk (a run folder);
RETICLE_FULL_DISK_FLAG  a file outside it: while this file exists the disk is full.

While the disk is full, opening a file under RETICLE_FULL_DISK_DIR for writing raises
`OSError(ENOSPC, 'No space left on device')`, as writing to a disk with no free block does
(Python's `open`, `io.open`, `pathlib.Path.write_*`, `shutil.copyfile` all go through here).
Reading, renaming and making folders keep working, as they do on a real full disk. Deleting the
flag file frees the disk, so a test can fill it in the middle of an epoch and free it to resume.
"""

from __future__ import annotations

import builtins
import errno
import io
import os

_DIR = os.environ.get("RETICLE_FULL_DISK_DIR")
_FLAG = os.environ.get("RETICLE_FULL_DISK_FLAG")

if _DIR and _FLAG:
    _root = os.path.realpath(_DIR)
    _real_open = io.open

    def _on_full_disk(file: object, mode: str) -> bool:
        if not isinstance(file, (str, bytes, os.PathLike)) or not any(c in mode for c in "wax+"):
            return False
        if not os.path.exists(_FLAG):
            return False
        path = os.path.realpath(os.fsdecode(file))
        return path == _root or path.startswith(_root + os.sep)

    def _open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - io.open's own signature
        if _on_full_disk(file, mode):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(file))
        return _real_open(file, mode, *args, **kwargs)

    builtins.open = _open
    io.open = _open
