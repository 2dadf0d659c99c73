"""Classifier head trained in NumPy on frozen features: softmax regression or a small MLP."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
Layer = tuple[F32, F32]  # weights [in, out], bias [out]


@dataclass(frozen=True)
class HeadConfig:
    """Hyperparameters of the head; ``hidden == 0`` means softmax regression."""

    hidden: int = 0
    l2: float = 1e-3
    dropout: float = 0.0
    epochs: int = 60
    lr: float = 1e-3
    batch: int = 128


def softmax(logits: F32) -> F32:
    """Row-wise softmax."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probs: F32 = exp / exp.sum(axis=1, keepdims=True)
    return probs


def forward(layers: list[Layer], x: F32) -> F32:
    """Class probabilities of the head (ReLU between dense layers, softmax at the end)."""
    for index, (weights, bias) in enumerate(layers):
        x = x @ weights + bias
        if index < len(layers) - 1:
            x = np.maximum(x, np.float32(0.0))
    return softmax(x)


def _init(sizes: list[int], rng: np.random.Generator) -> list[Layer]:
    layers: list[Layer] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        std = np.sqrt(2.0 / fan_in) if index < len(sizes) - 2 else 0.0
        weights = (rng.standard_normal((fan_in, fan_out)) * std).astype(np.float32)
        layers.append((weights, np.zeros(fan_out, dtype=np.float32)))
    return layers


def _gradients(layers: list[Layer], x: F32, y: NDArray[np.int64], keep: list[F32]) -> list[Layer]:
    """Gradients of the mean cross-entropy; ``keep`` are dropout masks per layer input."""
    acts: list[F32] = [x * keep[0]]
    for index, (weights, bias) in enumerate(layers[:-1]):
        hidden: F32 = np.maximum(acts[-1] @ weights + bias, np.float32(0.0))
        acts.append(hidden * keep[index + 1])
    delta = softmax(acts[-1] @ layers[-1][0] + layers[-1][1])
    delta[np.arange(len(y)), y] -= 1.0
    delta /= np.float32(len(y))
    grads: list[Layer] = []
    for index in range(len(layers) - 1, -1, -1):
        grads.append((acts[index].T @ delta, delta.sum(axis=0)))
        if index:
            delta = (delta @ layers[index][0].T) * (acts[index] > 0).astype(np.float32)
            delta *= keep[index]
    return grads[::-1]


def _masks(cfg: HeadConfig, rng: np.random.Generator, rows: int, sizes: list[int]) -> list[F32]:
    masks: list[F32] = []
    for size in sizes[:-1]:
        if cfg.dropout <= 0.0:
            masks.append(np.ones((1, size), dtype=np.float32))
            continue
        keep = rng.random((rows, size)) >= cfg.dropout
        masks.append((keep / np.float32(1.0 - cfg.dropout)).astype(np.float32))
    return masks


def train(x: F32, y: NDArray[np.int64], classes: int, cfg: HeadConfig, seed: int) -> list[Layer]:
    """Mini-batch Adam with decoupled weight decay (AdamW); deterministic given ``seed``."""
    rng = np.random.default_rng(seed)
    sizes = [x.shape[1]] + ([cfg.hidden] if cfg.hidden else []) + [classes]
    layers = _init(sizes, rng)
    moments = [[np.zeros_like(p) for p in layer] for layer in layers]
    squares = [[np.zeros_like(p) for p in layer] for layer in layers]
    step, total = 0, cfg.epochs * -(-len(y) // cfg.batch)
    for _ in range(cfg.epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), cfg.batch):
            rows = order[start : start + cfg.batch]
            grads = _gradients(layers, x[rows], y[rows], _masks(cfg, rng, len(rows), sizes))
            step += 1
            lr = cfg.lr * 0.5 * (1.0 + np.cos(np.pi * step / total))
            for layer, grad, m1, m2 in zip(layers, grads, moments, squares, strict=True):
                for k in range(2):
                    m1[k] = 0.9 * m1[k] + 0.1 * grad[k]
                    m2[k] = 0.999 * m2[k] + 0.001 * grad[k] ** 2
                    update = (m1[k] / (1 - 0.9**step)) / (np.sqrt(m2[k] / (1 - 0.999**step)) + 1e-8)
                    decay = cfg.l2 * layer[k] if k == 0 else 0.0
                    layer[k][...] -= (lr * (update + decay)).astype(np.float32)
    return layers


def standardizer(x: F32) -> tuple[F32, F32]:
    """Per-feature mean and standard deviation (floored) of the training features."""
    mean = x.mean(axis=0).astype(np.float32)
    std = np.maximum(x.std(axis=0), 1e-3).astype(np.float32)
    return mean, std


def fold_standardizer(layers: list[Layer], mean: F32, std: F32) -> list[Layer]:
    """Fold ``(x - mean) / std`` into the first dense layer so the head takes raw features."""
    weights, bias = layers[0]
    folded = (weights / std[:, None]).astype(np.float32)
    shifted = (bias - (mean / std) @ weights).astype(np.float32)
    return [(folded, shifted), *layers[1:]]
