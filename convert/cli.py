"""``python -m convert MODEL OUT.tflite|OUT.onnx [options]``: argument parsing and exit codes.

Exit 0 on success, 1 on a conversion error (one line on stderr, no traceback), 2 on bad usage,
3 when top-1 agreement is below ``--min-agreement`` (the model and reports are still written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from convert.errors import ConversionError
from convert.guard import embedded_refusal, labels_warning, manifest_clash, overwrites_embedded
from convert.quantize import IO_TYPES, MODES
from core.config.choices import NORMALIZATIONS, OUTPUT_KINDS, RESAMPLE_NAMES
from core.errors import ConfigError
from core.inference.model_files import read_labels

FAMILIES = tuple(n for n in NORMALIZATIONS if n != "auto")


def parser() -> argparse.ArgumentParser:
    """The command's argument parser."""
    p = argparse.ArgumentParser(prog="python -m convert", description=(
        "Convert a Keras .h5 / .keras model or a SavedModel directory to TFLite or ONNX, write "
        "its manifest (OUT.json) and a parity report (OUT.parity.json)."))
    p.add_argument("model", type=Path, help="Keras .h5, Keras 3 .keras or SavedModel folder")
    p.add_argument("out", type=Path, help="the .tflite or .onnx file to write")
    p.add_argument("--quantize", choices=MODES, default="none", help="default: none")
    p.add_argument("--io", choices=IO_TYPES, default="float32",
                   help="int8 only: tensor type of the model's input/output (default float32)")
    p.add_argument("--calibration", type=Path, metavar="DIR",
                   help="folder of images for int8 calibration and the parity run")
    p.add_argument("--calibration-limit", type=int, default=200, metavar="N",
                   help="at most N calibration images (default 200)")
    p.add_argument("--labels", help="comma-separated labels, or a file with one label a line")
    p.add_argument("--preprocessing", choices=FAMILIES, default="none",
                   help="normalisation family the model expects (default none: raw 0..255)")
    p.add_argument("--resize", choices=RESAMPLE_NAMES, default="bilinear",
                   help="resample filter used to resize images (default bilinear)")
    p.add_argument("--output-kind", choices=("auto", *OUTPUT_KINDS), default="auto",
                   help="what the scores are (default: detected from the source model)")
    p.add_argument("--name", help="model name in the manifest (default: from the file names)")
    p.add_argument("--model-version", default="0", help="model version in the manifest")
    p.add_argument("--samples", type=int, default=32, metavar="N",
                   help="images in the parity run (default 32)")
    p.add_argument("--latency-runs", type=int, default=20, metavar="N",
                   help="single-image invokes timed for the median latency (default 20)")
    p.add_argument("--threads", type=int, default=1, help="interpreter threads (default 1)")
    p.add_argument("--min-agreement", type=float, metavar="FRACTION",
                   help="fail (exit 3) when top-1 agreement is below this, e.g. 0.99")
    p.add_argument("--force", action="store_true",
                   help="allow OUT inside models/clothing/ (replaces the embedded model)")
    p.add_argument("--format", choices=("auto", "tflite", "onnx"), default="auto",
                   help="output format (default: from OUT's extension, .tflite or .onnx)")
    p.add_argument("--layout", choices=("nhwc", "nchw"), default="nhwc",
                   help="ONNX only: input layout (nchw: channels first, as PyTorch models)")
    p.add_argument("--trust-model", action="store_true",
                   help="the model is trusted: let Keras run the Python code it stores "
                        "(Lambda layers); without it such a model is refused")
    return p


def parse_labels(value: str | None) -> tuple[str, ...]:
    """``--labels``: a file with one label a line, or a comma-separated list."""
    if not value:
        return ()
    path = Path(value)
    if path.is_file():
        try:
            return read_labels(path)
        except ConfigError as exc:
            raise ConversionError(str(exc)) from exc
    return tuple(label.strip() for label in value.split(",") if label.strip())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit code."""
    args = parser().parse_args(argv)
    if overwrites_embedded(args.out) and not args.force:
        print(f"convert: error: {embedded_refusal(args.out)}", file=sys.stderr)
        return 2
    clash = manifest_clash(args.out)
    if clash:
        print(f"convert: error: {clash}", file=sys.stderr)
        return 2
    from convert.options import Options
    from convert.pipeline import run  # after parsing: --help never imports the core

    try:
        options = Options(
            model=args.model, out=args.out, quantize=args.quantize, io=args.io,
            calibration=args.calibration, calibration_limit=args.calibration_limit,
            labels=parse_labels(args.labels), preprocessing=args.preprocessing,
            resize=args.resize, output_kind=args.output_kind, name=args.name,
            version=args.model_version, samples=args.samples, latency_runs=args.latency_runs,
            threads=args.threads, min_agreement=args.min_agreement, format=args.format,
            layout=args.layout, trusted=args.trust_model)
        report = run(options)
    except (ConversionError, ConfigError) as exc:
        print(f"convert: error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    if not args.labels:  # after the files are written: an error stays one line
        print(labels_warning(), file=sys.stderr)
    if not report.passed:
        print(f"convert: error: top-1 agreement {report.top1_agreement:.1%} is below "
              f"--min-agreement {report.min_agreement:.1%}", file=sys.stderr)
        return 3
    return 0
