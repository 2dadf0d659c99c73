"""What the model's output means, and the scores the API answers with.

``probabilities`` and ``logits`` are returned as the model gives them (the lesson returns
logits); ``sigmoid`` marks independent probabilities. One sigmoid output with two labels is a
binary model whose first label is the negative class: it answers ``[1 - p, p]``. The softmax
option turns a logits model's answer into probabilities (softmax over several logits, the
sigmoid of a single one).
"""

from __future__ import annotations

import numpy as np

from core.errors import ConfigError

KINDS = ("probabilities", "logits", "sigmoid")


def score_count(kind: str, softmax: bool, outputs: int) -> int:
    """How many scores (labels) a model with ``outputs`` values per image answers."""
    return 2 if outputs == 1 and _binary(kind, softmax) else outputs


def check_labels(kind: str, softmax: bool, outputs: int, labels: int) -> None:
    """Fail at start-up when the labels do not fit the output."""
    if not labels:
        return
    allowed = {outputs, 2} if outputs == 1 and _binary(kind, softmax) else {outputs}
    if labels not in allowed:
        hint = " (one sigmoid output takes 1 or 2 labels)" if len(allowed) > 1 else ""
        raise ConfigError(f"{labels} labels but the model outputs {outputs} scores{hint}")


def _binary(kind: str, softmax: bool) -> bool:
    return kind == "sigmoid" or (kind == "logits" and softmax)


def finish(raw: np.ndarray, kind: str, softmax: bool, labels: int) -> np.ndarray:
    """Scores (N, labels) float32 from the model's raw output (N, outputs)."""
    scores = raw
    if kind == "logits" and softmax:
        scores = _sigmoid(raw) if raw.shape[1] == 1 else _softmax(raw)
    if scores.shape[1] == 1 and _binary(kind, softmax) and labels != 1:
        scores = np.concatenate([1 - scores, scores], axis=1)
    return scores.astype(np.float32, copy=False)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1 / (1 + np.exp(-logits.astype(np.float64)))
    return result
