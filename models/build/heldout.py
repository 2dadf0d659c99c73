"""Scores of the shipped recipe on train images it was not trained on, for fitting a temperature.

The committed model is trained on all of train, so its own scores on train say nothing about
its confidence on new photos. The same recipe (``full.CHOSEN``, same seed) is trained again on
part of train, requantised and assembled the same way, and its served scores on the rest are
the calibration set. Two ways:

- :func:`scores` (what the committed temperature was fitted on): one stratified 15% held out,
  the recipe trained on the other 85%;
- :func:`crossval`: K stratified folds, each scored by the recipe trained on the other folds,
  so every train image gets a score from a model that never saw it (about 12 minutes a fold on
  two idle cores). The card (models/README.md) compares the two.

Validation images are never read here. Scores are cached under ``build/model-cache/``, one file
per fold, so an interrupted run resumes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.build import CACHE_DIR, full
from models.build import tail as tails
from models.build.evaluate import run_graph
from models.build.fulltune import FullTuneConfig
from models.build.training import holdout

FRACTION = 0.15
FOLDS = 5
F32 = NDArray[np.float32]


@dataclass(frozen=True)
class HeldOut:
    """Served probabilities of held-out train images, their true classes, and the fold each
    image was held out in (all 0 for the single hold-out)."""

    scores: F32
    labels: NDArray[np.int64]
    folds: NDArray[np.int64]


def _cache(paths: list[Path], seed: int, cfg: FullTuneConfig, tag: str = "") -> Path:
    key: list[object] = [asdict(cfg), seed, FRACTION] if not tag else [asdict(cfg), seed, tag]
    digest = hashlib.sha256(json.dumps(key).encode())
    for path in paths:
        digest.update(f"{path.name}|{path.stat().st_size}".encode())
    name = "heldout" if not tag else f"crossval-{tag}"
    return CACHE_DIR / f"{name}-{digest.hexdigest()[:16]}.npz"


def stratified_folds(labels: NDArray[np.int64], folds: int, seed: int) -> NDArray[np.int64]:
    """The fold (0 to ``folds - 1``) of each image: each class shuffled and dealt out in turn,
    so every fold holds about ``1 / folds`` of every class."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        fold[rows] = np.arange(len(rows)) % folds
    return fold


def _score(data: full.Inputs, train: NDArray[np.intp], test: NDArray[np.intp],
           cfg: FullTuneConfig, seed: int) -> F32:
    """Served scores of the images ``test`` by the recipe trained on the images ``train``."""
    start = time.monotonic()
    print(f"training the recipe on {len(train)} train images, holding out {len(test)}", flush=True)
    _, top, part = full.train(data, train, cfg, seed)
    blob = full.assemble(part, tails.head_layers(top), cfg)
    scores = run_graph(blob, [data.paths[i] for i in test], 224)
    accuracy = float((scores.argmax(axis=1) == data.labels[test]).mean())
    print(f"held-out top-1 {accuracy:.4f} ({(time.monotonic() - start) / 60:.1f} min)", flush=True)
    return scores


def _cached(cache: Path, compute: Callable[[], F32]) -> F32:
    if cache.exists():
        with np.load(cache) as saved:
            return np.asarray(saved["scores"], dtype=np.float32)
    result = compute()
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, scores=result)
    return result


def scores(seed: int, cfg: FullTuneConfig = full.CHOSEN) -> HeldOut:
    """Held-out served scores of the recipe ``cfg`` trained on 85% of train (cached)."""
    data = full.inputs()
    held = holdout(data.labels, FRACTION, seed)
    rows, test = np.flatnonzero(~held), np.flatnonzero(held)
    result = _cached(_cache(data.paths, seed, cfg), partial(_score, data, rows, test, cfg, seed))
    return HeldOut(result, data.labels[test], np.zeros(len(test), dtype=np.int64))


def crossval(seed: int, cfg: FullTuneConfig = full.CHOSEN, folds: int = FOLDS) -> HeldOut:
    """Every train image's served score by the recipe trained on the other folds (cached per
    fold); rows in train order."""
    data = full.inputs()
    fold = stratified_folds(data.labels, folds, seed)
    out = np.zeros((len(data.labels), int(data.labels.max()) + 1), dtype=np.float32)
    for index in range(folds):
        rows, test = np.flatnonzero(fold != index), np.flatnonzero(fold == index)
        print(f"fold {index + 1} of {folds}", flush=True)
        out[test] = _cached(_cache(data.paths, seed, cfg, f"{index}of{folds}"),
                            partial(_score, data, rows, test, cfg, seed))
    return HeldOut(out, data.labels, fold)
