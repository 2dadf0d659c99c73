"""The conversion, start to end: load, calibrate, convert, write model + manifest, measure."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from convert import backend, onnx_export
from convert.errors import ConversionError, first_line
from convert.images import load_folder, representative_dataset, synthetic_images
from convert.load import SourceModel, load_source
from convert.options import Options
from convert.output import conversion_info, write_model
from convert.parity import (
    ParityReport,
    compare,
    converted_scores,
    distinct_top1,
    looks_like_probabilities,
    median_latency_ms,
    reference_scores,
    write_report,
)
from convert.quantize import configure
from core.errors import ConfigError
from core.inference.classifier import Classifier
from core.inference.loader import load_classifier


def output_format(options: Options) -> str:
    """``tflite`` or ``onnx``: ``--format``, else the output's extension."""
    if options.format != "auto":
        return options.format
    suffix = options.out.suffix.lower()
    if suffix not in (".tflite", ".onnx"):
        raise ConversionError(f"the output {options.out} must be a .tflite or .onnx path "
                              "(or give --format)")
    return suffix[1:]


def parity_path(out: Path) -> Path:
    """``OUT.parity.json`` beside the model."""
    return out.with_suffix(".parity.json")


def run(options: Options) -> ParityReport:
    """Convert ``options.model`` to ``options.out`` and return the parity report."""
    _check_options(options)
    source = load_source(options.model, options.trusted)
    if options.labels and len(options.labels) != source.num_classes:
        raise ConversionError(f"{len(options.labels)} labels given but the model outputs "
                              f"{source.num_classes} scores")
    pixels, sample_source = _sample_pixels(options, source)
    reference = reference_scores(source, pixels[:options.samples], options.preprocessing)
    kind = options.output_kind
    if kind == "auto":
        kind = "probabilities" if looks_like_probabilities(reference) else "logits"
    flatbuffer = _convert(source, options, pixels if options.calibration else None)
    manifest = write_model(flatbuffer, options, source, kind, conversion_info(options, source))
    classifier = _load_classifier(options, manifest)
    converted = converted_scores(classifier, pixels[:options.samples])
    max_diff, mean_diff, agreement = compare(reference, converted)
    report = ParityReport(
        source=str(options.model), source_format=source.kind, output=str(options.out),
        quantize=options.quantize, io=options.io, samples=len(converted),
        sample_source=sample_source, max_abs_diff=max_diff, mean_abs_diff=mean_diff,
        top1_agreement=agreement, reference_classes=distinct_top1(reference),
        size_before=source.size_bytes, size_after=options.out.stat().st_size,
        latency_ms_median=median_latency_ms(classifier, pixels[0], options.latency_runs),
        latency_runs=options.latency_runs, threads=options.threads,
        min_agreement=options.min_agreement)
    write_report(report, parity_path(options.out))
    return report


def _check_options(options: Options) -> None:
    if output_format(options) == "onnx":
        _check_onnx_options(options)
    elif options.layout != "nhwc":
        raise ConversionError("--layout nchw needs an ONNX output (OUT.onnx or --format onnx)")
    if options.io != "float32" and options.quantize != "int8":
        raise ConversionError(f"--io {options.io} needs --quantize int8")
    if options.quantize == "int8" and options.calibration is None:
        raise ConversionError("--quantize int8 needs --calibration DIR (a folder of images)")
    counts = (options.samples, options.calibration_limit, options.latency_runs, options.threads)
    if min(counts) < 1:
        raise ConversionError("--samples, --calibration-limit, --latency-runs and --threads "
                              "must be >= 1")
    if options.min_agreement is not None and not 0.0 <= options.min_agreement <= 1.0:
        raise ConversionError("--min-agreement must be a fraction between 0 and 1, e.g. 0.99")


def _check_onnx_options(options: Options) -> None:
    if options.quantize not in onnx_export.MODES:
        raise ConversionError(f"--quantize {options.quantize} is not available for ONNX; use "
                              f"one of {', '.join(onnx_export.MODES)}")
    if options.io != "float32":
        raise ConversionError("--io is for TFLite int8 models; ONNX models keep float32 io")


def _sample_pixels(options: Options, source: SourceModel) -> tuple[np.ndarray, str]:
    size = (source.width, source.height)
    if options.calibration is not None:
        limit = max(options.calibration_limit, options.samples)
        return load_folder(options.calibration, size, options.resize, limit), "calibration"
    return synthetic_images(options.samples, size), "generated"


def _convert(source: SourceModel, options: Options, calibration: np.ndarray | None) -> bytes:
    if output_format(options) == "onnx":
        layout = options.layout.upper()
        model = onnx_export.export(source, layout)
        sample = None if calibration is None else calibration[:options.calibration_limit]
        return onnx_export.quantize(model, options.quantize, sample, options.preprocessing,
                                    layout)
    def dataset() -> Any:
        assert calibration is not None
        return representative_dataset(calibration[:options.calibration_limit],
                                      options.preprocessing)

    with tempfile.TemporaryDirectory(prefix="convert-") as work:
        converter = source.converter(Path(work))
        configure(converter, options.quantize, dataset if calibration is not None else None,
                  options.io)
        with backend.captured_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # converter chatter, e.g. on quantised-input stats
            try:
                result = converter.convert()
            except Exception as exc:  # the converter raises anything
                raise ConversionError(f"TFLite conversion failed: {first_line(exc)}") from exc
    return bytes(result)


def _load_classifier(options: Options, manifest: Path) -> Classifier:
    try:
        with backend.captured_stderr():  # the runtime's delegate banner
            return load_classifier(options.out, manifest_path=manifest, threads=options.threads)
    except ConfigError as exc:
        raise ConversionError(f"the converted model does not load in the core: {exc}") from exc
