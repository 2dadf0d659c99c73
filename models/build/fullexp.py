"""Held-out experiments of the ``full`` recipe (whole backbone fine-tuned), for ``experiments``.

Each configuration is trained on the stratified 85% of train and scored on the other 15%
through its served, requantised copy; validation images are never read.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models.build import full, fulltune
from models.build import tail as tails
from models.build.evaluate import latency_ms, run_graph
from models.build.training import holdout

CONFIGS: dict[str, fulltune.FullTuneConfig] = {
    "full-from-block6": fulltune.FullTuneConfig(epochs=6, freeze=22, lr=1e-4, min_area=0.5),
    "full-from-block6-lr2e-4-8ep-crops0.35": fulltune.FullTuneConfig(
        epochs=8, freeze=22, lr=2e-4, min_area=0.35
    ),
    "full-from-block2": fulltune.FullTuneConfig(epochs=6, freeze=8, lr=1e-4, min_area=0.5),
}


def _accuracy(scores: NDArray[np.float32], truth: NDArray[np.int64]) -> float:
    return float((scores.argmax(axis=1) == truth).mean())


def run(cfg: fulltune.FullTuneConfig, seed: int) -> dict[str, float]:
    """Held-out top-1 after int8 requantisation (served), in float, and float flip-averaged."""
    data = full.inputs()
    held = holdout(data.labels, 0.15, seed)
    rows, test = np.flatnonzero(~held), np.flatnonzero(held)
    net, top, part = full.train(data, rows, cfg, seed)
    plain = fulltune.predict(net, top, data.served[test])
    flipped = fulltune.predict(net, top, data.served[test][:, :, ::-1])
    blob = full.assemble(part, tails.head_layers(top), cfg)
    truth = data.labels[test]
    sample = np.full((1, 224, 224, 3), 128, np.uint8)
    return {
        "held_out": _accuracy(run_graph(blob, [data.paths[i] for i in test], 224), truth),
        "held_out_float": _accuracy(plain, truth),
        "held_out_float_image_flip_average": _accuracy(plain + flipped, truth),
        "bytes": float(len(blob)),
        "latency_ms": latency_ms(blob, sample),
    }
