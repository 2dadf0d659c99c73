"""``python -m models.build --recipe finetune``: fine-tuned last block, requantised, + head."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from models.build import activations as acts
from models.build import features as feats
from models.build import finetune, graph, package, require, shared_dir
from models.build import tail as tails
from models.build.evaluate import (
    calibration_error,
    confusion,
    format_report,
    latency_ms,
    run_graph,
)
from models.build.head import F32, Layer, forward

MAX_BYTES = 5_000_000
BACKBONE = feats.BACKBONES["mobilenet_v2_tf2"]
CHOSEN = finetune.TuneConfig(lr=3e-5, epochs=4)  # best fine-tuning on held-out train


def assemble(backbone: bytes, part: bytes, layers: list[Layer], cfg: finetune.TuneConfig) -> bytes:
    """Backbone up to the cut + requantised tail + float head, as ``.tflite`` bytes."""
    model = graph.load(backbone)
    pooled = graph.splice(model, acts.CUT, graph.load(part))
    graph.append_head(model, pooled, layers)
    blob = graph.dump(model, package.description(BACKBONE, cfg))
    if len(blob) > MAX_BYTES:
        raise SystemExit(f"error: the model has {len(blob)} bytes, over the {MAX_BYTES} limit")
    return blob


def verify(blob: bytes, part: bytes, layers: list[Layer], cut: F32, paths: list[Path]) -> None:
    """The whole graph on served pixels equals tail + NumPy head on cached activations."""
    expected = forward(layers, tails.run(part, cut))
    diff = float(np.abs(run_graph(blob, paths, BACKBONE.size) - expected).max())
    print(f"graph vs cached activations + tail + head: max abs diff {diff:.2e}", flush=True)
    if diff > 1e-4:
        raise SystemExit(f"error: the assembled graph disagrees with its parts ({diff:.2e})")


def report(blob: bytes, data_dir: Path) -> None:
    """Validation figures of the finished model (not used for any choice)."""
    paths, labels = feats.list_split(data_dir, "validation")
    scores = run_graph(blob, paths, BACKBONE.size)
    print(format_report(confusion(labels, scores.argmax(axis=1).astype(np.int64))))
    print(f"expected calibration error (15 bins): {calibration_error(scores, labels):.4f}")
    sample = np.full((1, 224, 224, 3), 128, np.uint8)
    print(f"latency (median of 50 invokes, 2 threads): {latency_ms(blob, sample):.2f} ms")


def build(args: argparse.Namespace) -> int:
    """The whole build; returns the exit code."""
    root = require(shared_dir())
    data_dir = require(root / "data" / "clothing-dataset-small")
    source = require(root / "models" / BACKBONE.file)
    paths, labels = feats.list_split(data_dir, "train")
    cached = acts.cached(source, paths, args.crops, args.seed)
    rows = np.arange(len(labels))
    cfg = CHOSEN if args.epochs is None else dataclasses.replace(CHOSEN, epochs=args.epochs)
    print(f"fine-tuning on all {len(rows)} train images: {cfg}", flush=True)
    layers = tails.extract(source.read_bytes())
    tail, head = finetune.train(cached, labels, rows, layers, cfg, args.seed)
    picks = rows[:: finetune.CALIBRATION_STEP]
    calibration = finetune.dequantise(cached, picks, np.zeros_like(picks))
    part = tails.quantise(tail, calibration)
    head_layers = tails.head_layers(head)
    blob = assemble(source.read_bytes(), part, head_layers, cfg)
    check = rows[:: len(rows) // 24][:24]
    cut = finetune.dequantise(cached, check, np.zeros_like(check))
    verify(blob, part, head_layers, cut, [paths[i] for i in check])
    report(blob, data_dir)
    package.write(args.out, blob, BACKBONE, cfg)
    print(f"wrote {args.out / 'model.tflite'} ({len(blob)} bytes) and model.json")
    return 0
