"""TEST DOUBLE of `ultralytics.utils.downloads`: the one function the runtime replaces."""

from __future__ import annotations

from typing import Any


def safe_download(url: Any = None, *args: Any, **kwargs: Any) -> None:
    raise AssertionError(f"the test double's safe_download was called ({url}): the runtime's offline guard should have replaced it")


def is_url(url: Any, check: bool = False) -> bool:
    if check:
        raise AssertionError(f"the test double's is_url was asked to check {url} online: the runtime's offline guard should have replaced it")
    return str(url).startswith(("http://", "https://"))
