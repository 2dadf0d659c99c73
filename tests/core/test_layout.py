"""Layouts, input sizes, the pixel encoder, output kinds and the ONNX header reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import Settings
from core.config.choices import parse_size
from core.errors import ConfigError
from core.inference import scores as outputs
from core.inference.input_encoding import Encoder, input_table
from core.inference.input_shape import find_layout, find_size
from core.inference.manifest import Manifest
from core.inference.normalization import normalize
from core.inference.onnx_header import read_header
from core.inference.runtimes import model_format
from core.inference.tensor_info import TensorInfo


@pytest.mark.parametrize(("shape", "declared", "layout"), [
    ((1, 3, 224, 224), "auto", "NCHW"), ((-1, 224, 224, 3), "auto", "NHWC"),
    ((-1, 3, -1, -1), "auto", "NCHW"), ((-1, -1, -1, 3), "auto", "NHWC"),
    ((1, 3, 3, 3), "NCHW", "NCHW"), ((1, 3, 3, 3), "NHWC", "NHWC"),
    ((-1, -1, -1, -1), "NHWC", "NHWC"),
])
def test_layout_from_the_shape_or_the_declaration(shape: tuple[int, ...], declared: str,
                                                  layout: str) -> None:
    assert find_layout(shape, declared) == layout


@pytest.mark.parametrize(("shape", "declared", "message"), [
    ((1, 3, 3, 3), "auto", "NHWC or NCHW; set input.layout in the manifest or MODEL_LAYOUT"),
    ((-1, -1, -1, -1), "auto", "MODEL_LAYOUT"),
    ((1, 224, 224, 3), "NCHW", "no 3 \\(RGB\\) channels where NCHW"),
    ((1, 224, 224), "auto", "not a 4-D image tensor"),
])
def test_layout_errors(shape: tuple[int, ...], declared: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        find_layout(shape, declared)


def test_input_size_from_model_then_manifest() -> None:
    assert find_size((1, 3, 200, 180), "NCHW", 0, 0) == (180, 200)
    assert find_size((1, -1, -1, 3), "NHWC", 200, 224) == (224, 200)
    with pytest.raises(ConfigError, match="disagrees"):
        find_size((1, 3, 200, 200), "NCHW", 224, 224)


def test_model_input_size_variable() -> None:
    assert parse_size("224") == (224, 224) and parse_size("224x200") == (200, 224)
    assert Settings.from_env({"MODEL_INPUT_SIZE": "224x200"}).model_input_size == (200, 224)
    for bad in ("0", "x", "224x", "-3", "2x3x4"):
        with pytest.raises(ConfigError, match=f"MODEL_INPUT_SIZE has a bad value '{bad}'"):
            Settings.from_env({"MODEL_INPUT_SIZE": bad})
    with pytest.raises(ConfigError, match="MODEL_LAYOUT must be auto, NHWC or NCHW"):
        Settings.from_env({"MODEL_LAYOUT": "CHW"})
    assert Settings.from_env({"MODEL_LAYOUT": "nchw"}).model_layout == "NCHW"


@pytest.mark.parametrize("family", ["torch", "mobilenet", "caffe", "none"])
@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_encoder_equals_normalize(family: str, layout: str, dtype: type) -> None:
    table, order = input_table(Manifest(file="m", normalization=family),
                               TensorInfo((1, 8, 8, 3), dtype, 0.0, 0))
    pixels = np.random.default_rng(2).integers(0, 256, (2, 8, 6, 3), dtype=np.uint8)
    tensor = Encoder(table, order, layout)(pixels)
    expected: np.ndarray = normalize(pixels, family).astype(dtype)
    expected = expected.transpose(0, 3, 1, 2) if layout == "NCHW" else expected
    assert tensor.dtype == dtype and tensor.shape == expected.shape
    np.testing.assert_allclose(tensor, expected, rtol=1e-3 if dtype == np.float16 else 1e-6,
                               atol=1e-5)


def test_output_kinds() -> None:
    p = np.array([[0.8]], np.float32)
    np.testing.assert_allclose(outputs.finish(p, "sigmoid", False, 2), [[0.2, 0.8]], rtol=1e-6)
    np.testing.assert_array_equal(outputs.finish(p, "sigmoid", False, 1), p)
    logits = np.array([[1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(outputs.finish(logits, "logits", False, 3), logits)
    soft = outputs.finish(logits, "logits", True, 3)
    assert soft.sum() == pytest.approx(1.0) and soft.argmax() == 2
    outputs.check_labels("sigmoid", False, 1, 2)
    with pytest.raises(ConfigError, match="3 labels but the model outputs 1 scores"):
        outputs.check_labels("sigmoid", False, 1, 3)
    with pytest.raises(ConfigError, match="2 labels but the model outputs 1 scores"):
        outputs.check_labels("probabilities", False, 1, 2)


def test_onnx_header_and_format_sniffing(tmp_path: Path) -> None:
    from tests.onnx_graphs import build

    model = build(tmp_path / "m.onnx")
    header = read_header(model)
    assert (header.opset, header.ir_version, header.producer_name) == (17, 8, "tests.onnx_graphs")
    assert model_format(model) == "onnx"
    odd = tmp_path / "model.bin"
    odd.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(32))
    assert model_format(odd) == "tflite"
    odd.write_bytes(b"\x08\x08" + bytes(40))
    with pytest.raises(ConfigError, match="neither a TFLite flatbuffer"):
        read_header(odd)
