"""Temperature scaling: the one number T that makes ``softmax(logits / T)`` calibrated.

T is chosen to minimise the mean negative log-likelihood of the true classes on data the
model was not trained on. The NLL is convex in 1/T, so a golden-section search over 1/T finds
its minimum. Dividing every logit by the same T never changes the order of the classes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
BINS = 15  # equal-width confidence bins of the calibration error and the reliability diagram


def logits_of(probabilities: NDArray[np.floating[Any]]) -> F64:
    """Logits up to a per-row constant (``log p``), which softmax ignores."""
    return np.log(np.maximum(probabilities.astype(np.float64), np.finfo(np.float64).tiny))


def softmax(logits: F64, temperature: float | F64 = 1.0) -> F64:
    """Row-wise ``softmax(logits / temperature)`` in float64; ``temperature`` is one number or
    a column of one per row."""
    scaled = logits / temperature
    exp = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    out: F64 = exp / exp.sum(axis=1, keepdims=True)
    return out


def top1_changed(before: NDArray[np.floating[Any]], after: NDArray[np.floating[Any]]) -> int:
    """How many rows' top-1 class differs between two score (or logit) arrays."""
    return int((before.argmax(axis=1) != after.argmax(axis=1)).sum())


def nll(logits: F64, labels: NDArray[np.int64], temperature: float) -> float:
    """Mean negative log-likelihood of ``labels`` under ``softmax(logits / temperature)``."""
    scaled = logits / temperature
    top = scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_norm - scaled[np.arange(len(labels)), labels]))


def fit(logits: F64, labels: NDArray[np.int64], low: float = 0.05, high: float = 20.0,
        tolerance: float = 1e-6) -> float:
    """The temperature in ``[low, high]`` with the lowest NLL (golden-section over 1/T)."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = 1.0 / high, 1.0 / low  # the search runs over beta = 1 / T
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    while b - a > tolerance:
        if nll(logits, labels, 1.0 / c) < nll(logits, labels, 1.0 / d):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return 2.0 / (a + b)


def reliability(scores: NDArray[np.floating[Any]], labels: NDArray[np.int64],
                bins: int = BINS) -> dict[str, Any]:
    """Per-bin counts, mean confidence and accuracy, and the summary figures.

    Bin ``i`` holds the images whose top-1 probability is in ``(i / bins, (i + 1) / bins]``;
    the expected calibration error is the count-weighted mean of |accuracy - confidence|.
    """
    confidence = scores.max(axis=1).astype(np.float64)
    correct = scores.argmax(axis=1) == labels
    index = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    rows: list[dict[str, float | int]] = []
    ece = 0.0
    for b in range(bins):
        inside = index == b
        count = int(inside.sum())
        conf = float(confidence[inside].mean()) if count else 0.0
        acc = float(correct[inside].mean()) if count else 0.0
        ece += abs(acc - conf) * count / len(labels)
        rows.append({"count": count, "confidence": round(conf, 6), "accuracy": round(acc, 6)})
    return {
        "ece": round(ece, 6),
        "mean_confidence": round(float(confidence.mean()), 6),
        "accuracy": round(float(correct.mean()), 6),
        "nll": round(nll(logits_of(scores), labels, 1.0), 6),
        "bins": rows,
    }


def sampling_floor(scores: NDArray[np.floating[Any]], draws: int = 1000, seed: int = 0,
                   observed: float | None = None) -> dict[str, float]:
    """The ECE a perfectly calibrated model with these scores shows from sampling alone.

    Each draw takes every image's class at random from its own scores (so the scores are
    exactly right on average) and measures the ECE; returns the median and 5th/95th percentiles
    and, given the ``observed`` ECE, the share of draws at or above it (how often exactly right
    scores would read that much or more).
    """
    rng = np.random.default_rng(seed)
    cumulative = scores.astype(np.float64).cumsum(axis=1)
    values = []
    for _ in range(draws):
        drawn = (rng.random((len(scores), 1)) > cumulative).sum(axis=1)
        values.append(reliability(scores, np.minimum(drawn, scores.shape[1] - 1))["ece"])
    low, median, high = np.percentile(values, [5, 50, 95])
    out = {"median": round(float(median), 6), "p5": round(float(low), 6),
           "p95": round(float(high), 6)}
    if observed is not None:
        out["at_least_observed"] = round(float(np.mean(np.asarray(values) >= observed)), 6)
    return out


def lowest_ece(logits: F64, labels: NDArray[np.int64], low: float = 0.3, high: float = 1.5,
               step: float = 0.001) -> dict[str, float]:
    """The lowest calibration error any temperature in ``[low, high]`` reaches (a grid with
    ``step``), and that temperature: what temperature scaling at best can do on this set."""
    grid = np.round(np.arange(low, high + step / 2, step), 6)
    errors = [reliability(softmax(logits, float(t)), labels)["ece"] for t in grid]
    best = int(np.argmin(errors))
    return {"ece": round(float(errors[best]), 6), "temperature": float(grid[best]),
            "low": low, "high": high, "step": step}
