"""``python -m models.build.experiments``: the approaches compared on a held-out part of train.

Every approach is trained on 85% of train and scored on the other, stratified 15% (seed 0)
through its served copy (the pixels the service computes); validation images are never read.
Results are appended to ``build/experiments.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict

import numpy as np
from numpy.typing import NDArray

from models.build import REPO_ROOT, finetune, fullexp, fulltune, require, shared_dir
from models.build import activations as acts
from models.build import features as feats
from models.build import tail as tails
from models.build.head import F32, HeadConfig, fold_standardizer, forward, standardizer, train
from models.build.training import holdout

Labels = NDArray[np.int64]
Result = dict[str, float]


def _accuracy(scores: F32, truth: Labels) -> float:
    return float((scores.argmax(axis=1) == truth).mean())


def frozen(cached: acts.Activations, labels: Labels, held: NDArray[np.bool_], copies: int,
           seed: int) -> Result:
    """Today's recipe: NumPy MLP 256 on frozen pooled features of the first ``copies`` copies."""
    rows = np.flatnonzero(~held)
    x = cached.pooled[rows, :copies].reshape(-1, cached.pooled.shape[-1])
    y = np.repeat(labels[rows], copies)
    mean, std = standardizer(x)
    cfg = HeadConfig(hidden=256, l2=1e-2, dropout=0.5)
    layers = fold_standardizer(train((x - mean) / std, y, 10, cfg, seed), mean, std)
    served = forward(layers, cached.pooled[held, 0])
    mirrored = forward(layers, cached.pooled[held, 1])
    truth = labels[held]
    return {"held_out": _accuracy(served, truth),
            "held_out_image_flip_average": _accuracy(served + mirrored, truth)}


def tuned(cached: acts.Activations, labels: Labels, held: NDArray[np.bool_],
          cfg: finetune.TuneConfig, seed: int) -> Result:
    """Fine-tuned last block + head; held-out accuracy in float and after int8 requantisation."""
    rows, test = np.flatnonzero(~held), np.flatnonzero(held)
    source = require(shared_dir() / "models" / feats.BACKBONES["mobilenet_v2_tf2"].file)
    tail, head = finetune.train(cached, labels, rows, tails.extract(source.read_bytes()), cfg, seed)
    served = finetune.dequantise(cached, test, np.zeros_like(test))
    mirrored = finetune.dequantise(cached, test, np.ones_like(test))
    float_served = finetune.probabilities(tail, head, served)
    float_mirrored = finetune.probabilities(tail, head, mirrored)
    picks = rows[:: finetune.CALIBRATION_STEP]
    part = tails.quantise(tail, finetune.dequantise(cached, picks, np.zeros_like(picks)))
    int8 = forward(tails.head_layers(head), tails.run(part, served))
    truth = labels[test]
    return {"held_out": _accuracy(int8, truth),
            "held_out_float_tail": _accuracy(float_served, truth),
            "held_out_float_image_flip_average": _accuracy(float_served + float_mirrored, truth)}


def approaches(seed: int) -> dict[str, Callable[..., Result]]:
    """Named experiments (the rows of the model card's table), each (activations, labels, mask)."""
    configs = {
        "head-only-keras": finetune.TuneConfig(epochs=0),
        "head-only-flip-average-at-cut": finetune.TuneConfig(epochs=0, flip_average=True),
        "finetune-block16": finetune.TuneConfig(),
        "finetune-block16-slow": finetune.TuneConfig(lr=3e-5, epochs=4),
        "finetune-block16-flip-average": finetune.TuneConfig(lr=3e-5, epochs=4, flip_average=True),
    }
    table: dict[str, Callable[..., Result]] = {
        "frozen-served+mirror": lambda c, y, h: frozen(c, y, h, 2, seed),
        "frozen-all-crops": lambda c, y, h: frozen(c, y, h, c.pooled.shape[1], seed),
    }
    for name, cfg in configs.items():
        table[name] = lambda c, y, h, cfg=cfg: tuned(c, y, h, cfg, seed)
    return table


def _activations(crops: int, seed: int) -> tuple[acts.Activations, Labels, NDArray[np.bool_]]:
    """Cached activations of the train images (computed once, ~30 minutes), labels, held-out."""
    data_dir = require(shared_dir() / "data" / "clothing-dataset-small")
    source = require(shared_dir() / "models" / feats.BACKBONES["mobilenet_v2_tf2"].file)
    paths, labels = feats.list_split(data_dir, "train")
    return acts.cached(source, paths, crops, seed), labels, holdout(labels, 0.15, seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the named approaches (all when none is named) and append their results."""
    parser = argparse.ArgumentParser(prog="python -m models.build.experiments")
    parser.add_argument("names", nargs="*")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crops", type=int, default=4)
    parser.add_argument(
        "--config", default="{}",
        help="JSON fields of TuneConfig (finetune-custom) or FullTuneConfig (full-custom)",
    )
    args = parser.parse_args(argv)
    table = approaches(args.seed)
    custom = finetune.TuneConfig(**json.loads(args.config))
    table["finetune-custom"] = lambda c, y, h: tuned(c, y, h, custom, args.seed)
    fulls = dict(fullexp.CONFIGS)
    fulls["full-custom"] = fulltune.FullTuneConfig(**json.loads(args.config))
    out = REPO_ROOT / "build" / "experiments.jsonl"
    skip = ("finetune-custom", "frozen-all-crops", "full-custom")
    default = [n for n in [*table, *fulls] if n not in skip]
    for name in args.names or default:
        if name not in table and name not in fulls:
            parser.error(f"unknown approach {name!r}; known: {', '.join([*table, *fulls])}")
        start = time.monotonic()
        if name in fulls:
            result = fullexp.run(fulls[name], args.seed)
        else:
            result = table[name](*_activations(args.crops, args.seed))
        config = asdict(fulls[name]) if name in fulls else asdict(custom)
        record = {"name": name, **result, "seconds": round(time.monotonic() - start),
                  "config": config if name.endswith("custom") or name in fulls else None}
        print(json.dumps(record), flush=True)
        with out.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
