"""Accuracy of the served pipeline on a folder of ``<label>/<image>`` files.

Uses the service's own decode, resize and preprocessing code (``Pipeline.prepare``) and its model
(``Pipeline.infer``), so the figure is what the API would answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from core import errors
from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")


def list_images(directory: Path, labels: tuple[str, ...]) -> list[tuple[Path, int]]:
    """(file, label index) for every image under a folder named after a label."""
    if not directory.is_dir():
        raise errors.ConfigError(f"{directory} is not a folder of <label>/<image> files")
    items = [(path, labels.index(folder.name))
             for folder in sorted(directory.iterdir()) if folder.name in labels
             for path in sorted(folder.iterdir()) if path.suffix.lower() in IMAGE_SUFFIXES]
    if not items:
        raise errors.ConfigError(f"no images for the model's labels under {directory}")
    return items


def evaluate(pipeline: Pipeline, directory: Path,
             timings_factory: Callable[[], Timings] = Timings) -> dict[str, Any]:
    """Top-1 accuracy, per-class accuracy and the confusion matrix (rows: true label)."""
    labels = pipeline.classifier.labels
    items = list_images(directory, labels)
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    started = time.perf_counter()
    for path, truth in items:
        timings = timings_factory()
        # each image is one request's worth of work, with one request's time limit
        deadline = time.monotonic() + pipeline.settings.request_deadline_seconds
        pixels = pipeline.prepare(path.read_bytes(), timings, deadline)
        scores = pipeline.infer(pixels, timings, deadline)
        confusion[truth, int(np.argmax(scores))] += 1
    seconds = time.perf_counter() - started
    totals = confusion.sum(axis=1)
    per_class = {labels[i]: (float(confusion[i, i] / totals[i]) if totals[i] else None)
                 for i in range(len(labels))}
    return {
        "images": len(items), "accuracy": float(np.trace(confusion) / len(items)),
        "per_class": per_class, "labels": list(labels), "confusion": confusion.tolist(),
        "seconds": round(seconds, 2), "model": pipeline.classifier.manifest.name,
        "sha256": pipeline.classifier.sha256,
    }


def format_report(report: dict[str, Any]) -> str:
    """The report as text: accuracy, per-class accuracy, confusion matrix."""
    labels: list[str] = report["labels"]
    width = max(len(label) for label in labels) + 1
    lines = [f"model {report['model']}: top-1 accuracy {report['accuracy']:.4f} "
             f"on {report['images']} images ({report['seconds']} s)", "", "per-class accuracy:"]
    for label, value in report["per_class"].items():
        shown = "n/a" if value is None else f"{value:.3f}"
        lines.append(f"  {label:<{width}} {shown}")
    lines += ["", "confusion matrix (rows: true, columns: predicted):",
              " " * (width + 1) + " ".join(f"{label[:5]:>5}" for label in labels)]
    for label, row in zip(labels, report["confusion"], strict=True):
        lines.append(f"  {label:<{width - 1}} " + " ".join(f"{n:>5}" for n in row))
    return "\n".join(lines)
