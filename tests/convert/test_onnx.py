"""``python -m convert MODEL OUT.onnx``: tf2onnx from every source format, NHWC and NCHW,
ONNX Runtime's dynamic and static int8 quantisation, served back through the core's
classifier."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from convert.cli import main
from convert.options import Options
from convert.pipeline import run
from core.inference.loader import load_classifier
from core.inference.manifest import load_manifest
from core.inference.normalization import normalize
from core.inference.onnx_header import read_header
from tests.convert.conftest import LABELS, SIZE

ort = pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
@pytest.mark.parametrize("fmt", ["h5", "keras", "saved_model"])
def test_every_source_format_to_onnx_in_either_layout(fmt: str, layout: str,
                                                      keras_models: dict[str, Path],
                                                      tmp_path: Path) -> None:
    out = tmp_path / "model.onnx"
    report = run(Options(model=keras_models[fmt], out=out, labels=LABELS, layout=layout,
                         preprocessing="mobilenet", samples=6, latency_runs=2))
    assert report.top1_agreement == 1.0 and report.max_abs_diff <= 1e-4
    header = read_header(out)
    assert header.opset >= 17 and header.producer_name == "tf2onnx"
    manifest = load_manifest(tmp_path / "model.json")
    assert manifest.layout == layout.upper() and manifest.extra["conversion"]["format"] == "onnx"
    clf = load_classifier(out)
    assert clf.format == "onnx" and clf.layout == layout.upper() and clf.labels == LABELS
    pixels = np.random.default_rng(4).integers(0, 256, (2, SIZE, SIZE, 3), dtype=np.uint8)
    x = normalize(pixels, "mobilenet")
    x = x.transpose(0, 3, 1, 2) if layout == "nchw" else x
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(clf.predict(pixels), session.run(None, {"input": x})[0],
                               atol=1e-6)


@pytest.mark.parametrize("mode", ["dynamic", "int8"])
def test_quantised_onnx_keeps_parity(mode: str, keras_models: dict[str, Path],
                                     calibration_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.onnx"
    report = run(Options(model=keras_models["keras"], out=out, quantize=mode, layout="nchw",
                         calibration=calibration_dir, preprocessing="mobilenet",
                         latency_runs=2))
    assert report.top1_agreement >= 0.75 and report.max_abs_diff <= 0.05
    ops = {node.op_type for node in __import__("onnx").load(str(out)).graph.node}
    assert ("DynamicQuantizeLinear" in ops or "MatMulInteger" in ops or "ConvInteger" in ops
            if mode == "dynamic" else "QuantizeLinear" in ops)


def test_cli_writes_onnx_by_extension_or_format(keras_models: dict[str, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "hair.bin"
    assert main([str(keras_models["h5"]), str(out), "--format", "onnx", "--layout", "nchw",
                 "--samples", "3", "--latency-runs", "1"]) == 0
    assert "top-1 agree   100.0%" in capsys.readouterr().out
    assert json.loads((tmp_path / "hair.json").read_text())["input"]["layout"] == "NCHW"
    assert load_classifier(out, manifest_path=tmp_path / "hair.json").format == "onnx"


@pytest.mark.parametrize(("argv", "message"), [
    (["--quantize", "float16"], "--quantize float16 is not available for ONNX"),
    (["--quantize", "int8", "--io", "uint8"], "--io is for TFLite int8 models"),
    (["--quantize", "int8"], "--quantize int8 needs --calibration DIR"),
])
def test_onnx_option_errors_are_one_line(argv: list[str], message: str,
                                         keras_models: dict[str, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(keras_models["keras"]), str(tmp_path / "m.onnx"), *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("convert: error: ") and "\n" not in err and message in err


def test_nchw_needs_onnx(keras_models: dict[str, Path], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(keras_models["keras"]), str(tmp_path / "m.tflite"), "--layout",
                 "nchw"]) == 1
    assert "--layout nchw needs an ONNX output" in capsys.readouterr().err
