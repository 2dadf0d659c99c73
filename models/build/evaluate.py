"""Figures of the built model: accuracy, per-class accuracy, confusion matrix, latency."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from models.build import LABELS
from models.build import features as feats


def confusion(truth: NDArray[np.int64], predicted: NDArray[np.int64]) -> NDArray[np.int64]:
    """Confusion matrix: rows are true classes, columns predicted classes."""
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def format_report(matrix: NDArray[np.int64], labels: Sequence[str] = LABELS) -> str:
    """Per-class accuracy and the confusion matrix as a fixed-width text table."""
    total = matrix.sum()
    lines = [f"top-1 accuracy: {np.trace(matrix) / total:.4f} ({np.trace(matrix)}/{total})", ""]
    lines.append(f"{'class':<11} {'n':>4} {'acc':>6}")
    for index, label in enumerate(labels):
        count = matrix[index].sum()
        lines.append(f"{label:<11} {count:>4} {matrix[index, index] / max(count, 1):>6.3f}")
    short = [label[:5] for label in labels]
    lines += ["", "confusion (rows true, columns predicted):"]
    lines.append(" " * 11 + "".join(f"{name:>6}" for name in short))
    for index, label in enumerate(labels):
        lines.append(f"{label:<11}" + "".join(f"{v:>6d}" for v in matrix[index]))
    return "\n".join(lines)


def latency_ms(
    model: bytes, sample: NDArray[np.generic], runs: int = 50, threads: int = 2
) -> float:
    """Median single-image invoke time in milliseconds (after 5 warm-up invokes)."""
    interpreter = Interpreter(model_content=model, num_threads=threads)
    interpreter.allocate_tensors()
    index = interpreter.get_input_details()[0]["index"]
    times: list[float] = []
    for run in range(runs + 5):
        interpreter.set_tensor(index, sample)
        start = time.perf_counter()
        interpreter.invoke()
        if run >= 5:
            times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def latency_ratio(new: bytes, old: bytes, sample: NDArray[np.generic], rounds: int = 7) -> tuple[
    float, float, float
]:
    """(new ms, old ms, median of per-round new/old ratios), the two models alternated."""
    pairs = [(latency_ms(new, sample), latency_ms(old, sample)) for _ in range(rounds)]
    news, olds = zip(*pairs, strict=True)
    ratio = float(np.median([a / b for a, b in pairs]))
    return float(np.median(news)), float(np.median(olds)), ratio


def calibration_error(
    scores: NDArray[np.floating[Any]], truth: NDArray[np.int64], bins: int = 15
) -> float:
    """Expected calibration error: |accuracy - confidence| over equal-width confidence bins."""
    confidence = scores.max(axis=1)
    correct = scores.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            gap = abs(float(correct[inside].mean()) - float(confidence[inside].mean()))
            total += gap * float(inside.mean())
    return total


def run_graph(model: bytes, paths: Sequence[Path], size: int) -> NDArray[np.float32]:
    """Scores of the built model for each image, through the served pixel pipeline."""
    interpreter = Interpreter(model_content=model, num_threads=2)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    to_input, loader = feats.input_mapper(detail), feats.image_loader()
    output = interpreter.get_output_details()[0]["index"]
    rows: list[NDArray[np.float32]] = []
    for path in paths:
        pixels = loader(path.read_bytes(), (size, size), feats.RESAMPLE)
        interpreter.set_tensor(detail["index"], to_input(pixels))
        interpreter.invoke()
        rows.append(interpreter.get_tensor(output)[0].copy())
    return np.stack(rows)
