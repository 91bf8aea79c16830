"""The runtime never reaches the network by itself.

Ultralytics fetches things on its own when it can: Arial.ttf for plots, `yolo26n.pt` for the AMP
check, weights named without a path, hub and integration pings. Offline, each of those is a
failure or a stall of up to a minute; behind a proxy, a surprise download. The studio keeps
pretrained weights in its own library and hands the runtime absolute paths, so the runtime needs
nothing from the network, and this module makes sure it asks for nothing:

* `before_import()` sets `YOLO_OFFLINE` (Ultralytics' ONLINE check answers False without a DNS
  lookup) and `YOLO_AUTOINSTALL=false` (no pip). It must run before `import ultralytics`.
* `after_import()` points Ultralytics' `weights_dir` at the studio's weights library
  (`RETICLE_WEIGHTS_DIR`), so the AMP check finds the library's `yolo26n.pt` when there is one,
  turns off hub sync and the logging integrations, and replaces `safe_download` with a refusal
  that raises ConnectionError at once. Ultralytics reads ConnectionError as "offline": the AMP
  check is skipped with a warning (AMP stays on), and nothing waits on a socket. `is_url(...,
  check=True)` answers False without its HEAD request: every dataset check asks it whether
  Arial.ttf can be downloaded (a 3-second wait per font when the network is down, and a request
  to GitHub when it is up), and the studio draws its own charts.

The settings go to Ultralytics' settings file under `YOLO_CONFIG_DIR`, which the studio points
at a folder of its own, so a user's own Ultralytics settings are left alone.
"""

from __future__ import annotations

import os
from typing import Any

from .protocol import log

# Ultralytics' settings that make it talk to a service (hub sync and the logging integrations).
_NETWORK_SETTINGS = ("sync", "hub", "clearml", "comet", "dvc", "mlflow", "neptune", "raytune", "wandb")

attempts: list[str] = []


def before_import() -> None:
    os.environ.setdefault("YOLO_OFFLINE", "true")
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")


def _refuse(url: Any = None, *args: Any, **kwargs: Any) -> None:
    where = str(url or kwargs.get("url") or "?")
    attempts.append(where)
    log(f"refused a download by Ultralytics: {where} (the studio's runtime never downloads; its weights come from the studio's library)")
    raise ConnectionError(f"Reticle Studio's runtime does not download ({where}).")


def after_import() -> None:
    try:
        from ultralytics.utils import SETTINGS, downloads  # noqa: PLC0415
    except ImportError:  # an Ultralytics without these modules: nothing of theirs to quiet
        return
    updates: dict[str, Any] = {key: False for key in _NETWORK_SETTINGS if key in SETTINGS and SETTINGS[key] is not False}
    weights_dir = os.environ.get("RETICLE_WEIGHTS_DIR")
    if weights_dir and str(SETTINGS.get("weights_dir")) != weights_dir:
        updates["weights_dir"] = weights_dir
    if updates:
        try:
            SETTINGS.update(updates)
        except Exception as exc:  # noqa: BLE001 - a read-only settings file must not stop training
            log(f"could not update Ultralytics' settings ({exc}); downloads are still refused")
    downloads.safe_download = _refuse
    downloads.is_url = _checkless(downloads.is_url)


def _checkless(is_url: Any) -> Any:
    def offline_is_url(url: Any, check: bool = False) -> bool:
        if check:
            attempts.append(str(url))
            log(f"did not check {url} online (the studio's runtime makes no requests)")
            return False
        return bool(is_url(url, check=False))

    return offline_is_url
