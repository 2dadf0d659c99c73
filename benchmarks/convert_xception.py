"""Convert the lesson's Xception classifier in every quantisation mode and tabulate the result.

``python -m benchmarks.convert_xception`` (``make bench-convert``): builds the lesson's
architecture with random weights (cached as ``build/bench/xception.keras``), converts it with
``--quantize none|float16|dynamic|int8`` through ``convert.pipeline`` (int8 calibrated on
generated images written to ``build/bench/calibration/``), and records the size, the median
single-image latency through ``core.inference.classifier.Classifier`` and the top-1 agreement
with the float32
Keras model. Writes ``build/bench/convert.json`` and the table in docs/convert.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from benchmarks.readme import CONVERT_PAGE, replace_section
from convert import backend
from convert.images import load_folder, synthetic_images
from convert.options import Options
from convert.pipeline import run
from convert.quantize import MODES
from core.inference.normalization import normalize

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "build" / "bench"
START, END = "<!-- bench-convert:start -->", "<!-- bench-convert:end -->"
SIZE = 299


def build_model(path: Path, calibration: Path | None = None, rebuild: bool = False) -> Path:
    """The lesson's Xception head on random weights, saved once as a Keras 3 file.

    Random weights are made to behave like trained ones in the two ways that matter here: batch
    norm statistics are taken from the calibration images (else activations fade to ~1e-5), and
    the last Dense layer outputs the features' main principal components, whitened (else one
    class is top-1 for every image and top-1 agreement says nothing).
    """
    if path.is_file() and not rebuild:
        return path
    if calibration is None:
        calibration = calibration_folder(32)[0]
    keras = backend.keras3()
    keras.utils.set_random_seed(0)
    base = keras.applications.Xception(weights=None, include_top=False,
                                       input_shape=(SIZE, SIZE, 3))
    inputs = keras.Input(shape=(SIZE, SIZE, 3))
    x = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
    x = keras.layers.Dense(100, activation="relu")(x)
    features = keras.layers.Dropout(0.2)(x)
    head = keras.layers.Dense(10)
    model = keras.Model(inputs, head(features))
    pixels = normalize(load_folder(calibration, (SIZE, SIZE), "bilinear", limit=16), "xception")
    _settle_batch_norm(base, pixels)
    _standardise_head(keras.Model(inputs, features), head, pixels)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial.keras")  # other benchmarks read the cache
    model.save(str(partial))
    partial.replace(path)
    return path


def _settle_batch_norm(base: Any, images: np.ndarray) -> None:
    """Set every BatchNormalization's moving statistics to those of ``images``.

    With untouched statistics (mean 0, variance 1) a random Xception's activations shrink layer
    after layer to ~1e-5, below float16's normal range, which no trained model does. One forward
    pass in training mode with momentum 0 gives each layer the statistics it sees: activations of
    order 1 in inference, as in a trained network (a data-dependent initialisation).
    """
    norms = [layer for layer in base.layers if layer.__class__.__name__ == "BatchNormalization"]
    for layer in norms:
        layer.momentum = 0.0
    base(images, training=True)
    for layer in norms:
        layer.momentum = 0.99


def _standardise_head(features: Any, head: Any, images: np.ndarray) -> None:
    """Logits = the features' 10 main principal components, whitened and randomly mixed."""
    h = np.asarray(features(images, training=False), dtype=np.float64)
    mean = h.mean(axis=0)
    _, singular, vt = np.linalg.svd(h - mean, full_matrices=False)
    scale = np.sqrt(len(h)) / np.maximum(singular[:10], 1e-12)
    mixing = np.linalg.qr(np.random.default_rng(0).normal(size=(10, 10)))[0]
    kernel = (vt[:10].T * scale) @ mixing
    head.set_weights([kernel.astype(np.float32), (-mean @ kernel).astype(np.float32)])


def calibration_folder(count: int) -> tuple[Path, str]:
    """The shared clothing validation images when present, else ``count`` generated JPEGs."""
    shared = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
    real = shared / "data" / "clothing-dataset-small" / "validation"
    if real.is_dir():
        return real, f"clothing-dataset-small/validation (first {count}, spread over classes)"
    folder = BENCH / "calibration"
    folder.mkdir(parents=True, exist_ok=True)
    if len(list(folder.glob("*.jpg"))) < count:
        for i, pixels in enumerate(synthetic_images(count, (SIZE + 21, SIZE), seed=7)):
            Image.fromarray(pixels).save(folder / f"sample-{i:03d}.jpg", quality=90)
    return folder, "generated blob images"


def measure(model: Path, calibration: Path, samples: int, runs: int) -> list[dict[str, Any]]:
    """One parity report per quantisation mode."""
    rows = []
    for mode in MODES:
        print(f"converting with --quantize {mode} ...", file=sys.stderr, flush=True)
        report = run(Options(
            model=model, out=BENCH / f"xception-{mode}.tflite", quantize=mode,
            calibration=calibration, calibration_limit=samples, preprocessing="xception",
            samples=samples, latency_runs=runs, threads=1))
        rows.append(report.to_json())
    return rows


def table(rows: list[dict[str, Any]], images: str) -> str:
    """The results as a markdown table."""
    lines = ["| quantize | size | vs source | latency (median, 1 thread) | top-1 agreement "
             "| max abs diff |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['quantize']} | {r['size_after'] / 1e6:.1f} MB "
                     f"| {r['size_after'] / r['size_before']:.0%} "
                     f"| {r['latency_ms_median']:.1f} ms | {r['top1_agreement']:.1%} "
                     f"| {r['max_abs_diff']:.3g} |")
    source = rows[0]
    lines.append("")
    lines.append("Source: `xception.keras` (Keras 3, random weights; batch norm and head fitted "
                 f"as described above), {source['size_before'] / 1e6:.1f} MB. Calibration and "
                 f"parity on {source['samples']} images from {images} "
                 f"({source['reference_classes']} distinct top-1 classes); agreement and "
                 "difference are against the float32 Keras model. Latency: median of "
                 f"{source['latency_runs']} single-image `Classifier.predict` calls, 1 thread.")
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark; print and record the table."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.convert_xception")
    p.add_argument("--samples", type=int, default=32, help="calibration and parity images")
    p.add_argument("--runs", type=int, default=20, help="timed single-image invokes")
    p.add_argument("--no-doc", action="store_true", help="leave docs/convert.md alone")
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached Keras model")
    args = p.parse_args()
    calibration, described = calibration_folder(args.samples)
    model = build_model(BENCH / "xception.keras", calibration, rebuild=args.rebuild)
    rows = measure(model, calibration, args.samples, args.runs)
    markdown = table(rows, described)
    print(markdown)
    (BENCH / "convert.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if not args.no_doc:
        replace_section(markdown, START, END, CONVERT_PAGE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
