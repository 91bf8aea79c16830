"""TEST DOUBLE of `ultralytics.utils`: only `SETTINGS`, as the runtime's offline guard uses it.

Like Ultralytics' SettingsManager it is a dict whose `update()` persists, here to
`$YOLO_CONFIG_DIR/Ultralytics/settings.json` (as the real one), so a test can see what the runtime set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class _Settings(dict):
    def __init__(self) -> None:
        root = Path(os.environ.get("YOLO_CONFIG_DIR") or Path.home() / ".config") / "Ultralytics"
        self.file = root / "settings.json"
        defaults: dict[str, Any] = {"weights_dir": str(root / "weights"), "sync": True, "hub": True, "tensorboard": False, "wandb": False}
        try:
            defaults.update(json.loads(self.file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
        super().__init__(defaults)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.write_text(json.dumps(self), encoding="utf-8")


SETTINGS = _Settings()
