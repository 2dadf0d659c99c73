"""``python -m models.build --recipe full``: the whole backbone fine-tuned, requantised, + head."""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.build import features as feats
from models.build import fulltune, graph, images, package, require, shared_dir
from models.build import tail as tails
from models.build.evaluate import (
    calibration_error,
    confusion,
    format_report,
    latency_ms,
    latency_ratio,
    run_graph,
)
from models.build.head import F32, Layer, forward

MAX_BYTES = 5_000_000
BACKBONE = feats.BACKBONES["mobilenet_v2_tf2"]
LARGE = 256  # random crops are taken from the image loaded at this size
INPUT_NAME = "input"  # the input tensor's name, as in the backbone (the v2 protocol shows it)
CALIBRATION_STEP = 13  # every 13th train image (served pixels) calibrates the requantisation
CHOSEN = fulltune.FullTuneConfig()  # best on held-out train (models/README.md)


def recipe(epochs: int | None = None, smoothing: float | None = None) -> fulltune.FullTuneConfig:
    """``CHOSEN``, with the epochs or the label smoothing given on the command line."""
    cfg = CHOSEN if epochs is None else dataclasses.replace(CHOSEN, epochs=epochs)
    return cfg if smoothing is None else dataclasses.replace(cfg, smoothing=smoothing)


def assemble(part: bytes, layers: list[Layer], cfg: fulltune.FullTuneConfig) -> bytes:
    """Requantised backbone (uint8 pixels -> int8 pooled features) + float head."""
    model = graph.load(part)
    graph.append_head(model, int(model.subgraphs[0].outputs[0]), layers)
    subgraph = model.subgraphs[0]
    subgraph.tensors[int(subgraph.inputs[0])].name = INPUT_NAME  # the converter's is generated
    blob = graph.dump(model, package.description(BACKBONE, cfg))
    if len(blob) > MAX_BYTES:
        raise SystemExit(f"error: the model has {len(blob)} bytes, over the {MAX_BYTES} limit")
    return blob


def pooled(part: bytes, pixels: NDArray[np.uint8]) -> F32:
    """Dequantised pooled features of the requantised backbone for uint8 pixels."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=part, num_threads=2)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    to_input = feats.input_mapper(detail)  # the served pixel -> input tensor mapping
    target = interpreter.get_output_details()[0]
    scale, zero_point = target["quantization"]
    rows: list[F32] = []
    for row in pixels:
        interpreter.set_tensor(detail["index"], to_input(row))
        interpreter.invoke()
        raw = interpreter.get_tensor(target["index"]).reshape(-1).astype(np.float32)
        rows.append(((raw - np.float32(zero_point)) * np.float32(scale)).astype(np.float32))
    return np.stack(rows)


def verify(blob: bytes, part: bytes, layers: list[Layer], served: NDArray[np.uint8],
           paths: list[Path]) -> None:
    """The whole graph on files equals the requantised backbone + NumPy head on cached pixels."""
    expected = forward(layers, pooled(part, served))
    diff = float(np.abs(run_graph(blob, paths, BACKBONE.size) - expected).max())
    print(f"graph vs requantised backbone + NumPy head: max abs diff {diff:.2e}", flush=True)
    if diff > 1e-4:
        raise SystemExit(f"error: the assembled graph disagrees with its parts ({diff:.2e})")


def report(blob: bytes, data_dir: Path, previous: Path) -> None:
    """Validation figures of the finished model (not used for any choice) and its invoke time
    beside the model it replaces (``previous``, when there is one)."""
    paths, labels = feats.list_split(data_dir, "validation")
    scores = run_graph(blob, paths, BACKBONE.size)
    print(format_report(confusion(labels, scores.argmax(axis=1).astype(np.int64))))
    print(f"expected calibration error (15 bins): {calibration_error(scores, labels):.4f}")
    sample = np.full((1, 224, 224, 3), 128, np.uint8)
    if not previous.exists():
        print(f"latency (median of 50 invokes, 2 threads): {latency_ms(blob, sample):.2f} ms")
        return
    new, old, ratio = latency_ratio(blob, previous.read_bytes(), sample)
    print(f"latency (medians of 7 x 50 invokes, 2 threads, alternated): {new:.2f} ms, "
          f"the model it replaces {old:.2f} ms, ratio {ratio:.3f}x")


@dataclass(frozen=True)
class Inputs:
    """Everything the recipe reads from ``../shared``, decoded once (and cached on disk)."""

    backbone: bytes
    paths: list[Path]
    labels: NDArray[np.int64]
    served: NDArray[np.uint8]  # the served pixels, BACKBONE.size square
    large: NDArray[np.uint8]  # the source of the random crops, LARGE square
    original: F32  # int8 backbone features of the served pixels (head warm-up)
    mirrored: F32  # the same of the mirrored pixels


def inputs() -> Inputs:
    """The train split's pixels and int8 features (MissingInputError names a missing input)."""
    root = require(shared_dir())
    data_dir = require(root / "data" / "clothing-dataset-small")
    source = require(root / "models" / BACKBONE.file)
    paths, labels = feats.list_split(data_dir, "train")
    extractor = feats.Extractor(BACKBONE, root / "models")
    loader = feats.image_loader()
    return Inputs(
        source.read_bytes(), paths, labels,
        images.decoded(paths, BACKBONE.size), images.decoded(paths, LARGE),
        feats.cached_features(extractor, paths, loader, flip=False),
        feats.cached_features(extractor, paths, loader, flip=True),
    )


def train(data: Inputs, rows: NDArray[np.intp], cfg: fulltune.FullTuneConfig,
          seed: int) -> tuple[Any, Any, bytes]:
    """(backbone, head, requantised backbone) trained on the train images ``rows``."""
    net, top = fulltune.train(
        data.backbone, data.large[rows], data.labels[rows],
        np.concatenate([data.original[rows], data.mirrored[rows]]),
        np.concatenate([data.labels[rows]] * 2), cfg, seed,
    )
    return net, top, fulltune.quantise(net, data.served[rows[::CALIBRATION_STEP]])


def build(args: argparse.Namespace) -> int:
    """The whole build; returns the exit code."""
    start = time.monotonic()
    data = inputs()
    data_dir = shared_dir() / "data" / "clothing-dataset-small"
    cfg = recipe(args.epochs, args.smoothing)
    print(f"fine-tuning on all {len(data.labels)} train images: {cfg}", flush=True)
    _, top, part = train(data, np.arange(len(data.labels)), cfg, args.seed)
    layers = tails.head_layers(top)
    blob = assemble(part, layers, cfg)
    check = np.arange(0, len(data.paths), len(data.paths) // 24)[:24]
    verify(blob, part, layers, data.served[check], [data.paths[i] for i in check])
    report(blob, data_dir, args.out / "model.tflite")
    package.write(args.out, blob, BACKBONE, cfg)
    print(f"wrote {args.out / 'model.tflite'} ({len(blob)} bytes) and model.json "
          f"in {(time.monotonic() - start) / 60:.1f} minutes")
    return 0
