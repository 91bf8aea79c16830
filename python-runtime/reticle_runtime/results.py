"""What a run's validation measured, read from Ultralytics' objects and files into the protocol's
shapes: class names, per-class results, the confusion matrix, the best epoch in results.csv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import protocol

CONFUSION_MATRIX_MAX_CLASSES = 300  # beyond this the matrix would make a multi-megabyte line
FITNESS_COLUMN = "metrics/mAP50-95(B)"  # DetMetrics.fitness() weighs mAP50-95 alone


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else [value]


def as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def class_names(names: Any) -> list[str]:
    """Ultralytics keeps names as {0: 'cat', 1: 'dog'}; the protocol sends them in index order."""
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names)]
    return [str(n) for n in as_list(names)]


def per_class_results(validator: Any, names: list[str]) -> list[dict[str, Any]]:
    """AP50, AP50-95, precision and recall per class from the validator's `DetMetrics`.

    `box.ap50`, `box.ap`, `box.p` and `box.r` are aligned with `box.ap_class_index` (only the
    classes present in the validation set); `nt_per_class` is indexed by class id. Classes the
    validation set lacks get nulls rather than a misleading 0.
    """
    metrics = getattr(validator, "metrics", None)
    box = getattr(metrics, "box", None)
    index = [int(i) for i in as_list(getattr(box, "ap_class_index", None))]
    ap50, ap, p, r = (as_list(getattr(box, key, None)) for key in ("ap50", "ap", "p", "r"))
    counts = as_list(getattr(metrics, "nt_per_class", None))
    results = []
    for c, name in enumerate(names):
        i = index.index(c) if c in index else None

        def at(values: list[Any]) -> float | None:
            return as_float(values[i]) if i is not None and i < len(values) else None

        results.append(
            protocol.class_result(
                index=c,
                name=name,
                instances=int(counts[c]) if c < len(counts) else None,
                ap50=at(ap50),
                ap50_95=at(ap),
                precision=at(p),
                recall=at(r),
            )
        )
    return results


def confusion_matrix(validator: Any, names: list[str]) -> dict[str, Any] | None:
    """Ultralytics' detection matrix is (nc+1)x(nc+1), `matrix[predicted][true]`, with the last
    row and column for background (missed objects and false detections)."""
    cm = getattr(validator, "confusion_matrix", None)
    rows = [[int(round(float(x))) for x in as_list(row)] for row in as_list(getattr(cm, "matrix", None))]
    if not rows or len(names) > CONFUSION_MATRIX_MAX_CLASSES:
        return None
    labels = [*names, "background"]
    if len(rows) != len(labels) or any(len(row) != len(labels) for row in rows):
        return None
    return {"names": labels, "matrix": rows}


def best_epoch_from_results(csv_path: Path) -> int | None:
    """The epoch with the highest fitness across the whole run, resumed parts included: results.csv
    keeps every epoch, where the trainer's own `EarlyStopping.best_epoch` restarts on resume."""
    try:
        with open(csv_path, newline="", encoding="utf-8") as f:
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]
    except OSError:
        return None
    best: tuple[float, int] | None = None
    for row in rows:
        fitness, epoch = as_float(row.get(FITNESS_COLUMN)), as_float(row.get("epoch"))
        if fitness is None or epoch is None:
            continue
        if best is None or fitness > best[0]:
            best = (fitness, int(epoch))
    return best[1] if best else None
