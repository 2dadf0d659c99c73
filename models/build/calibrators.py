"""Calibration maps richer than one temperature that still never change the top-1 class.

Each family maps a row of logits ``z`` (up to a per-row constant) to probabilities, and is
fitted like the temperature: lowest mean negative log-likelihood of the true classes on
photos the model was not trained on, here by an exhaustive grid (a few parameters, so the fit
is deterministic and needs no solver).

- ``temperature``: ``softmax(z / T)``, the shipped map, for reference;
- ``ensemble``: ensemble temperature scaling (Zhang, Kailkhura and Han, 2020),
  ``w1 softmax(z / T) + w2 softmax(z) + w3 / K`` with T the fitted temperature and the
  weights on the simplex: every term ranks the classes as ``z`` does, or not at all;
- ``margin``: a temperature that grows as the top two logits get closer,
  ``softmax(z / t)`` with ``t = T0 + k / (1 + z_top1 - z_top2) > 0`` per row: softer where
  the model hesitates, which is where the cross-validated reliability bins are over-confident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.build import temperature as temp

F64 = NDArray[np.float64]
Labels = NDArray[np.int64]
Map = Callable[[F64, tuple[float, ...]], F64]


def ensemble(logits: F64, params: tuple[float, ...]) -> F64:
    """``(1 - w2 - w3) softmax(z / T) + w2 softmax(z) + w3 / K``; params ``(T, w2, w3)``."""
    t, w2, w3 = params
    classes = logits.shape[1]
    out: F64 = ((1.0 - w2 - w3) * temp.softmax(logits, t) + w2 * temp.softmax(logits)
                + w3 / classes)
    return out


def margin_temperature(logits: F64, t0: float, k: float) -> NDArray[np.float64]:
    """Each row's temperature ``T0 + k / (1 + gap)``, gap = top-1 minus top-2 logit."""
    top2 = np.sort(logits, axis=1)[:, -2:]
    out: F64 = t0 + k / (1.0 + top2[:, 1] - top2[:, 0])
    return out


def margin(logits: F64, params: tuple[float, ...]) -> F64:
    """``softmax(z / t)`` with each row's own ``t`` (:func:`margin_temperature`)."""
    return temp.softmax(logits, margin_temperature(logits, params[0], params[1])[:, None])


def scaled(logits: F64, params: tuple[float, ...]) -> F64:
    """``softmax(z / T)``; params ``(T,)``."""
    return temp.softmax(logits, params[0])


def nll(probabilities: F64, labels: Labels) -> float:
    """Mean negative log-likelihood of ``labels`` under ``probabilities``."""
    chosen = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.maximum(chosen, np.finfo(np.float64).tiny))))


FAMILIES: dict[str, Map] = {"temperature": scaled, "ensemble": ensemble, "margin": margin}
PARAMETERS: dict[str, tuple[str, ...]] = {
    "temperature": ("T",), "ensemble": ("T", "w2", "w3"), "margin": ("T0", "k")}


@dataclass(frozen=True)
class Grid:
    """The parameter values a fit tries: steps of the grids below (tests use coarse ones)."""

    weight_step: float = 0.01  # w2 and w3 of the ensemble
    t0_step: float = 0.01  # T0 of the margin family, over [0.2, 1.2]
    k_step: float = 0.02  # k of the margin family, over [-0.5, 2.0]


DEFAULT_GRID = Grid()


def _best(logits: F64, labels: Labels, apply: Map,
          candidates: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    losses = [nll(apply(logits, c), labels) for c in candidates]
    return candidates[int(np.argmin(losses))]


def fit(name: str, logits: F64, labels: Labels, grid: Grid = DEFAULT_GRID) -> tuple[float, ...]:
    """The lowest-NLL parameters of family ``name`` on ``(logits, labels)``."""
    if name == "temperature":
        return (temp.fit(logits, labels),)
    if name == "ensemble":
        t = temp.fit(logits, labels)
        steps = np.arange(0.0, 1.0 + grid.weight_step / 2, grid.weight_step)
        pairs = [(t, round(float(a), 6), round(float(b), 6))
                 for a in steps for b in steps if a + b <= 1.0 + 1e-9]
        return _best(logits, labels, ensemble, pairs)
    if name == "margin":
        t0s = np.arange(0.2, 1.2 + grid.t0_step / 2, grid.t0_step)
        ks = np.arange(-0.5, 2.0 + grid.k_step / 2, grid.k_step)
        rows = [(round(float(a), 6), round(float(b), 6)) for a in t0s for b in ks
                if a + min(b, 0.0) > 0.05]  # t >= T0 + min(k, 0) stays positive
        return _best(logits, labels, margin, rows)
    raise ValueError(f"unknown calibrator {name!r}; known: {', '.join(FAMILIES)}")


def cross_fitted(name: str, logits: F64, labels: Labels, folds: NDArray[np.int64],
                 grid: Grid = DEFAULT_GRID) -> tuple[F64, list[tuple[float, ...]]]:
    """Every row mapped by the parameters fitted on the other folds only (out of sample), and
    those parameters, fold by fold in the order of the fold numbers."""
    out, fitted = np.zeros_like(logits), []
    for index in np.unique(folds):
        inside = folds == index
        fitted.append(fit(name, logits[~inside], labels[~inside], grid))
        out[inside] = FAMILIES[name](logits[inside], fitted[-1])
    return out, fitted
