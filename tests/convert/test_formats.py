"""Every source format x every quantisation mode, served back through the core's classifier."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from convert.options import Options
from convert.pipeline import parity_path, run
from core.inference.litert import TFLiteClassifier
from core.inference.loader import load_classifier
from core.inference.manifest import load_manifest, sha256_of
from core.inference.normalization import normalize
from tests.convert.conftest import LABELS, SIZE

# (max top-1 disagreement, max |diff| on scores) allowed per mode
TOLERANCE = {"none": (0.0, 1e-4), "float16": (0.0, 1e-2), "dynamic": (0.0, 5e-2),
             "int8": (0.25, 0.2)}


@pytest.mark.parametrize("mode", ["none", "float16", "dynamic", "int8"])
@pytest.mark.parametrize("fmt", ["h5", "keras", "saved_model"])
def test_convert_serves_with_parity(fmt: str, mode: str, keras_models: dict[str, Path],
                                    calibration_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.tflite"
    report = run(Options(model=keras_models[fmt], out=out, quantize=mode,
                         calibration=calibration_dir, labels=LABELS, preprocessing="mobilenet",
                         resize="bicubic", latency_runs=3))
    disagreement, max_diff = TOLERANCE[mode]
    assert report.samples == 16 and report.sample_source == "calibration"
    assert report.reference_classes >= 1
    assert report.top1_agreement >= 1.0 - disagreement
    assert report.max_abs_diff <= max_diff
    assert report.size_after == out.stat().st_size and report.size_before > 0
    assert report.latency_ms_median > 0
    saved = json.loads(parity_path(out).read_text())
    assert saved["top1_agreement"] == report.top1_agreement and saved["passed"] is True

    manifest = load_manifest(tmp_path / "model.json")
    assert manifest.file == "model.tflite" and manifest.sha256 == sha256_of(out)
    assert manifest.labels == LABELS and (manifest.width, manifest.height) == (SIZE, SIZE)
    assert (manifest.normalization, manifest.resize) == ("mobilenet", "bicubic")
    assert manifest.output == ("probabilities" if fmt == "keras" else "logits")
    assert manifest.extra["conversion"]["quantize"] == mode
    assert manifest.extra["conversion"]["source_format"] == fmt

    clf = load_classifier(out)  # finds model.json beside it, as serving does
    assert clf.labels == LABELS and clf.input_size == (SIZE, SIZE)
    scores = clf.predict(np.zeros((2, SIZE, SIZE, 3), dtype=np.uint8))
    assert scores.shape == (2, 3) and scores.dtype == np.float32


@pytest.mark.parametrize("io", ["uint8", "int8"])
def test_int8_with_integer_io(io: str, keras_models: dict[str, Path], calibration_dir: Path,
                              tmp_path: Path) -> None:
    out = tmp_path / "tiny.tflite"
    report = run(Options(model=keras_models["keras"], out=out, quantize="int8", io=io,
                         calibration=calibration_dir, preprocessing="mobilenet", latency_runs=3))
    assert report.top1_agreement >= 0.75 and report.max_abs_diff <= 0.05  # softmax scores
    clf = load_classifier(out, manifest_path=tmp_path / "tiny.json")
    assert np.dtype(clf.input_dtype) == np.dtype(io)
    assert clf.manifest.name == "tiny" and clf.labels == ("0", "1", "2")


def test_generated_samples_without_calibration(keras_models: dict[str, Path],
                                               tmp_path: Path) -> None:
    report = run(Options(model=keras_models["h5"], out=tmp_path / "m.tflite", samples=5,
                         latency_runs=2))
    assert (report.samples, report.sample_source) == (5, "generated")
    assert report.top1_agreement == 1.0


def test_h5_written_by_keras3(keras_models: dict[str, Path], tmp_path: Path) -> None:
    report = run(Options(model=keras_models["h5_keras3"], out=tmp_path / "m.tflite", samples=4,
                         latency_runs=2))
    assert report.source_format == "h5" and report.top1_agreement == 1.0
    assert report.max_abs_diff <= 1e-3


@pytest.mark.parametrize("family", ["xception", "efficientnet", "caffe", "torch"])
def test_float_input_is_written_exactly_as_normalize_computes(
        family: str, keras_models: dict[str, Path], tmp_path: Path) -> None:
    """The float32 input path (one multiply-add for uniform families, tables otherwise)."""
    out = tmp_path / "float.tflite"
    run(Options(model=keras_models["keras"], out=out, quantize="none", labels=LABELS,
                preprocessing=family, samples=4, latency_runs=1))
    clf = load_classifier(out)
    assert isinstance(clf, TFLiteClassifier)
    pixels = np.random.default_rng(3).integers(0, 256, (1, SIZE, SIZE, 3), dtype=np.uint8)
    clf.predict(pixels)
    written = clf._interpreter.get_tensor(clf._input_index)
    np.testing.assert_allclose(written, normalize(pixels, family), rtol=0, atol=1e-4)
