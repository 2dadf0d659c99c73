"""Head selection on a held-out part of train, then the final fit on all of train."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.build.head import F32, HeadConfig, Layer, fold_standardizer, forward, standardizer
from models.build.head import train as fit

GRID: tuple[HeadConfig, ...] = tuple(
    HeadConfig(hidden=hidden, l2=l2, dropout=0.5) for hidden in (0, 128, 256) for l2 in (1e-2, 1e-1)
)


@dataclass(frozen=True)
class Features:
    """Backbone features of the train images, their mirror images, and labels."""

    original: F32
    flipped: F32
    labels: NDArray[np.int64]


def holdout(labels: NDArray[np.int64], fraction: float, seed: int) -> NDArray[np.bool_]:
    """A stratified boolean mask selecting ``fraction`` of each class."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        mask[rng.permutation(rows)[: round(len(rows) * fraction)]] = True
    return mask


def fit_head(data: Features, rows: NDArray[np.bool_], cfg: HeadConfig, seed: int) -> list[Layer]:
    """Train on ``rows`` (each image and its mirror image); layers take raw features."""
    x = np.concatenate([data.original[rows], data.flipped[rows]])
    y = np.concatenate([data.labels[rows], data.labels[rows]])
    mean, std = standardizer(x)
    layers = fit(((x - mean) / std).astype(np.float32), y, int(data.labels.max()) + 1, cfg, seed)
    return fold_standardizer(layers, mean, std)


def accuracy(layers: list[Layer], x: F32, y: NDArray[np.int64]) -> float:
    """Top-1 accuracy of the head on features ``x``."""
    return float((forward(layers, x).argmax(axis=1) == y).mean())


def select(
    data: Features, seed: int, grid: tuple[HeadConfig, ...] = GRID, fraction: float = 0.15
) -> tuple[HeadConfig, list[tuple[HeadConfig, float]]]:
    """The grid entry with the best held-out accuracy (first wins ties) and all scores."""
    held = holdout(data.labels, fraction, seed)
    scores: list[tuple[HeadConfig, float]] = []
    for cfg in grid:
        layers = fit_head(data, ~held, cfg, seed)
        scores.append((cfg, accuracy(layers, data.original[held], data.labels[held])))
        print(f"  held-out {scores[-1][1]:.4f}  {cfg}", flush=True)
    best = max(scores, key=lambda item: item[1])[0]
    return best, scores
