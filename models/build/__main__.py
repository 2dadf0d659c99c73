"""``python -m models.build``: rebuild models/clothing/model.tflite and model.json."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.build import MODEL_DIR, MissingInputError, graph, package, require, shared_dir
from models.build import features as feats
from models.build.evaluate import confusion, format_report, latency_ms, run_graph
from models.build.head import F32, HeadConfig, Layer, forward
from models.build.training import Features, fit_head, select

MAX_BYTES = 5_000_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m models.build", description=__doc__)
    parser.add_argument("--seed", type=int, default=0, help="seed of split and training")
    parser.add_argument("--backbone", choices=sorted(feats.BACKBONES), default="mobilenet_v2_tf2")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="output folder")
    parser.add_argument(
        "--recipe", choices=("full", "frozen", "finetune"), default="full",
        help="whole backbone fine-tuned + linear head (the committed model), frozen backbone "
        "+ MLP head, or fine-tuned last block + MLP head",
    )
    parser.add_argument("--crops", type=int, default=4, help="random crops per image (finetune)")
    parser.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs")
    parser.add_argument("--smoothing", type=float, default=None,
                        help="label smoothing of the full recipe (default: its own, 0.1)")
    return parser.parse_args(argv)


def train_features(extractor: feats.Extractor, data_dir: Path) -> Features:
    """Cached features of train/ images and of their mirror images."""
    paths, labels = feats.list_split(data_dir, "train")
    loader = feats.image_loader()
    original = feats.cached_features(extractor, paths, loader, flip=False)
    flipped = feats.cached_features(extractor, paths, loader, flip=True)
    return Features(original, flipped, labels)


def build_head(data: Features, seed: int) -> tuple[HeadConfig, list[Layer]]:
    """Choose the head on held-out train images, then fit it on all of train."""
    print("selecting the head on a held-out 15% of train:", flush=True)
    cfg, _ = select(data, seed)
    print(f"chosen: {cfg}", flush=True)
    return cfg, fit_head(data, np.ones(len(data.labels), dtype=bool), cfg, seed)


def verify(model: bytes, layers: list[Layer], val: F32, paths: list[Path], size: int) -> F32:
    """Graph scores on validation images; exits if they differ from the NumPy head."""
    scores = run_graph(model, paths, size)
    diff = float(np.abs(scores - forward(layers, val)).max())
    print(f"graph vs NumPy head on validation: max abs diff {diff:.2e}", flush=True)
    if diff > 1e-4:
        raise SystemExit(f"error: appended head disagrees with the NumPy head ({diff:.2e})")
    return scores


def build(args: argparse.Namespace) -> int:
    """The whole build; returns the exit code."""
    root = require(shared_dir())
    data_dir = require(root / "data" / "clothing-dataset-small")
    backbone = feats.BACKBONES[args.backbone]
    source = require(root / "models" / backbone.file)
    extractor = feats.Extractor(backbone, root / "models")
    data = train_features(extractor, data_dir)
    val_paths, val_labels = feats.list_split(data_dir, "validation")
    val = feats.cached_features(extractor, val_paths, feats.image_loader(), flip=False)
    cfg, layers = build_head(data, args.seed)
    model = graph.load(source.read_bytes())
    graph.append_head(model, backbone.feature_tensor, layers)
    blob = graph.dump(model, package.description(backbone, cfg))
    if len(blob) > MAX_BYTES:
        raise SystemExit(f"error: the model has {len(blob)} bytes, over the {MAX_BYTES} limit")
    scores = verify(blob, layers, val, val_paths, backbone.size)
    matrix = confusion(val_labels, scores.argmax(axis=1).astype(np.int64))
    print(format_report(matrix))
    sample: NDArray[np.generic] = extractor.to_input(np.full((224, 224, 3), 128, np.uint8))
    print(f"latency (median of 50 invokes, 2 threads): {latency_ms(blob, sample):.2f} ms")
    package.write(args.out, blob, backbone, cfg)
    print(f"wrote {args.out / 'model.tflite'} ({len(blob)} bytes) and model.json")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit code 2 with a one-line message when an input is missing."""
    args = parse_args(argv)
    try:
        if args.recipe == "full":
            from models.build import full

            return full.build(args)
        if args.recipe == "finetune":
            from models.build import tuned

            return tuned.build(args)
        return build(args)
    except MissingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
