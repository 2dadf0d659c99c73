"""Every input-encoding path against the plain computation written here with NumPy.

The runtimes write pixels into the input tensor through shortcuts (LiteRT: identity, one line
for every channel, one shared table, per-channel tables; the ``Encoder`` for NCHW and ONNX).
Each must give exactly what the model's own formula gives: value = pixel * scale + offset in
float64 (the normalisation family, in RGB or BGR order), then for an integer input
round(value / scale_q + zero_point) clipped to the dtype, for a float input one rounding to the
dtype. ``auto`` on a quantised input feeds the pixel's byte as the model's quantisation expects
it: the level for uint8, level - 128 for int8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.inference.litert import TFLiteClassifier
from core.inference.loader import load_classifier
from core.inference.manifest import Manifest
from core.inference.normalization import affine
from core.inference.runtimes import Runtime
from tests.onnx_graphs import echo, write_manifest

SIDE = 16  # 256 pixels: the first image holds every level in every channel


def pixels() -> np.ndarray:
    """Two images: every level in each channel (in three different orders), then noise."""
    levels = np.arange(256, dtype=np.uint8)
    ramp = np.stack([levels, levels[::-1], (levels.astype(int) * 7) % 256], axis=-1)
    noise = np.random.default_rng(3).integers(0, 256, (256, 3), dtype=np.uint8)
    return np.stack([ramp, noise]).reshape(2, SIDE, SIDE, 3).astype(np.uint8)


def reference(source: np.ndarray, family: str, color: str, dtype: Any, scale: float,
              zero: int, layout: str) -> np.ndarray:
    kind = np.dtype(dtype)
    if family == "auto" and kind.kind in "iu" and scale > 0:
        values = source.astype(np.int64) + np.iinfo(kind).min
    else:
        order, factor, offset = affine("none" if family == "auto" else family)
        data = source[..., ::-1] if "BGR" in (order, color) else source
        values = data.astype(np.float64) * factor + offset
        if kind.kind in "iu" and scale > 0:
            limits = np.iinfo(kind)
            values = np.clip(np.round(values / scale + zero), limits.min, limits.max)
    tensor = values.astype(kind)
    return tensor.transpose(0, 3, 1, 2) if layout == "NCHW" else tensor


class Recorder:
    """Stands in for the interpreter: owns the input tensor and keeps what each invoke saw."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, scale: float, zero: int) -> None:
        self.dtype, self.quantization = dtype, (scale, zero)
        self.input = np.zeros(shape, dtype)
        self.seen: list[np.ndarray] = []

    def get_input_details(self) -> list[dict[str, Any]]:
        return [{"index": 0, "shape": np.array(self.input.shape), "dtype": self.dtype,
                 "quantization": self.quantization, "name": "input"}]

    def get_output_details(self) -> list[dict[str, Any]]:
        return [{"index": 1, "shape": np.array([1, 3]), "dtype": np.float32,
                 "quantization": (0.0, 0), "name": "scores"}]

    def tensor(self, index: int) -> Any:
        return lambda: self.input

    def invoke(self) -> None:
        self.seen.append(self.input.copy())

    def get_tensor(self, index: int) -> np.ndarray:
        return np.zeros((self.input.shape[0], 3), np.float32)

    def resize_tensor_input(self, index: int, shape: list[int]) -> None:
        self.input = np.zeros(shape, self.dtype)

    def allocate_tensors(self) -> None:
        pass


QUANTISED: list[tuple[Any, float, int, str, str]] = [  # dtype, scale, zero point, family, color
    (np.uint8, 0.0, 0, "none", "RGB"), (np.uint8, 0.0, 0, "auto", "RGB"),
    (np.uint8, 1.0, 0, "none", "BGR"), (np.uint8, 1.0, 0, "none", "RGB"),
    (np.uint8, 1.0, 0, "auto", "RGB"), (np.uint8, 1.0, -128, "none", "RGB"),
    (np.uint8, 1.0, -128, "auto", "RGB"), (np.uint8, 1 / 128, 128, "mobilenet", "RGB"),
    (np.uint8, 1 / 128, 128, "auto", "RGB"), (np.uint8, 0.0185, 114, "torch", "RGB"),
    (np.uint8, 1.0, 0, "caffe", "RGB"), (np.int8, 1.0, -128, "none", "RGB"),
    (np.int8, 1.0, -128, "auto", "RGB"), (np.int8, 1.0, -128, "none", "BGR"),
    (np.int8, 1.0, 0, "none", "RGB"), (np.int8, 1.0, 0, "auto", "RGB"),
    (np.int8, 1 / 128, 0, "mobilenet", "RGB"), (np.int8, 1 / 127.5, -1, "mobilenet", "RGB"),
    (np.int8, 0.0185, -14, "torch", "RGB"), (np.int8, 1.0, 0, "caffe", "RGB"),
]
FLOAT: list[tuple[Any, float, int, str, str]] = [
    (dtype, 0.0, 0, family, color) for dtype in (np.float32, np.float16)
    for family, color in (("none", "RGB"), ("auto", "RGB"), ("none", "BGR"),
                          ("mobilenet", "RGB"), ("efficientnet", "RGB"), ("torch", "RGB"),
                          ("caffe", "RGB"), ("mobilenet", "BGR"))]


@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize(("dtype", "scale", "zero", "family", "color"), QUANTISED + FLOAT)
def test_litert_writes_what_the_formula_gives(tmp_path: Path, layout: str, dtype: Any,
                                               scale: float, zero: int, family: str,
                                               color: str) -> None:
    shape = (1, 3, SIDE, SIDE) if layout == "NCHW" else (1, SIDE, SIDE, 3)
    recorder = Recorder(shape, dtype, scale, zero)
    model = tmp_path / "m.tflite"
    model.write_bytes(b"")
    manifest = Manifest(file="m.tflite", normalization=family, color=color)
    classifier = TFLiteClassifier(recorder, Runtime("recorder", "recorder", Recorder),
                                  manifest, str(model))
    batch = pixels()
    classifier.predict(batch[:1])
    classifier.predict(batch)  # the tensor is resized to two images
    expected = reference(batch, family, color, dtype, scale, zero, layout)
    assert [seen.dtype for seen in recorder.seen] == [np.dtype(dtype)] * 2
    # Integers exactly; a float tensor within one unit in the last place of its largest value
    # (the one-line shortcut rounds twice in the dtype where the formula rounds once).
    bound = np.finfo(dtype).eps * np.abs(expected.astype(np.float64)).max() \
        if np.dtype(dtype).kind == "f" else 0
    for seen, want in ((recorder.seen[0], expected[:1]), (recorder.seen[1], expected)):
        assert np.abs(seen.astype(np.float64) - want.astype(np.float64)).max() <= bound


@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize(("dtype", "family", "color"), [
    ("uint8", "none", "RGB"), ("uint8", "auto", "RGB"),
    *[(dtype, family, color) for dtype in ("float32", "float16")
      for family, color in (("none", "RGB"), ("mobilenet", "RGB"), ("torch", "RGB"),
                            ("caffe", "RGB"), ("mobilenet", "BGR"))]])
def test_onnx_runtime_is_fed_what_the_formula_gives(tmp_path: Path, layout: str, dtype: str,
                                                    family: str, color: str) -> None:
    pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")
    model = echo(tmp_path / "echo.onnx", layout, dtype, (SIDE, SIDE))
    write_manifest(model, input={"color": color}, output="logits",
                   preprocessing={"normalization": family})
    classifier = load_classifier(model)
    batch = pixels()
    fed = classifier.predict(batch)  # the graph answers the tensor it was fed
    expected = reference(batch, family, color, np.dtype(dtype), 0.0, 0, layout)
    np.testing.assert_array_equal(fed, expected.reshape(2, -1).astype(np.float32))
