"""Held-out experiments of the ``full`` recipe (whole backbone fine-tuned), for ``experiments``.

Each configuration is trained on the stratified 85% of train and scored on the other 15%
through its served, requantised copy; validation images are never read.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from models.build import features as feats
from models.build import full, fulltune, images, require, shared_dir
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
    root = require(shared_dir())
    data_dir = require(root / "data" / "clothing-dataset-small")
    source = require(root / "models" / full.BACKBONE.file)
    paths, labels = feats.list_split(data_dir, "train")
    held = holdout(labels, 0.15, seed)
    rows, test = np.flatnonzero(~held), np.flatnonzero(held)
    served = images.decoded(paths, full.BACKBONE.size)
    large = images.decoded(paths, full.LARGE)
    extractor = feats.Extractor(full.BACKBONE, root / "models")
    loader = feats.image_loader()
    original = feats.cached_features(extractor, paths, loader, flip=False)
    mirrored = feats.cached_features(extractor, paths, loader, flip=True)
    net, top = fulltune.train(
        source.read_bytes(), large[rows], labels[rows],
        np.concatenate([original[rows], mirrored[rows]]), np.concatenate([labels[rows]] * 2),
        cfg, seed,
    )
    plain = fulltune.predict(net, top, served[test])
    flipped = fulltune.predict(net, top, served[test][:, :, ::-1])
    part = fulltune.quantise(net, served[rows[:: full.CALIBRATION_STEP]])
    blob = full.assemble(part, fulltune.head_layers(top), cfg)
    truth = labels[test]
    sample = np.full((1, 224, 224, 3), 128, np.uint8)
    return {
        "held_out": _accuracy(run_graph(blob, [paths[i] for i in test], 224), truth),
        "held_out_float": _accuracy(plain, truth),
        "held_out_float_image_flip_average": _accuracy(plain + flipped, truth),
        "bytes": float(len(blob)),
        "latency_ms": latency_ms(blob, sample),
    }
