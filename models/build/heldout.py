"""Scores of the shipped recipe on train images it was not trained on, for fitting a temperature.

The committed model is trained on all of train, so its own scores on train say nothing about
its confidence on new photos. The same recipe (``full.CHOSEN``, same seed) is trained once more
on the stratified 85% of train used for the recipe comparison, requantised and assembled the
same way, and its served scores on the other 15% are the calibration set. Validation images
are never read here. The scores are cached under ``build/model-cache/`` (about 30 minutes to
recompute on two idle cores).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.build import CACHE_DIR, full
from models.build import tail as tails
from models.build.evaluate import run_graph
from models.build.fulltune import FullTuneConfig
from models.build.training import holdout

FRACTION = 0.15
F32 = NDArray[np.float32]


@dataclass(frozen=True)
class HeldOut:
    """Served probabilities of the held-out train images and their true classes."""

    scores: F32
    labels: NDArray[np.int64]


def _cache(paths: list[Path], seed: int, cfg: FullTuneConfig) -> Path:
    digest = hashlib.sha256(json.dumps([asdict(cfg), seed, FRACTION]).encode())
    for path in paths:
        digest.update(f"{path.name}|{path.stat().st_size}".encode())
    return CACHE_DIR / f"heldout-{digest.hexdigest()[:16]}.npz"


def scores(seed: int, cfg: FullTuneConfig = full.CHOSEN) -> HeldOut:
    """Held-out served scores of the recipe ``cfg`` trained on the rest of train (cached)."""
    data = full.inputs()
    cache = _cache(data.paths, seed, cfg)
    if cache.exists():
        with np.load(cache) as saved:
            return HeldOut(saved["scores"], saved["labels"])
    held = holdout(data.labels, FRACTION, seed)
    rows, test = np.flatnonzero(~held), np.flatnonzero(held)
    print(f"training the recipe on {len(rows)} train images, holding out {len(test)}", flush=True)
    _, top, part = full.train(data, rows, cfg, seed)
    blob = full.assemble(part, tails.head_layers(top), cfg)
    result = HeldOut(run_graph(blob, [data.paths[i] for i in test], 224), data.labels[test])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, scores=result.scores, labels=result.labels)
    accuracy = float((result.scores.argmax(axis=1) == result.labels).mean())
    print(f"held-out top-1 of the 85% model: {accuracy:.4f}", flush=True)
    return result
