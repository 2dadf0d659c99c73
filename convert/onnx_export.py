"""Keras / SavedModel -> ONNX through tf2onnx, and ONNX Runtime's dynamic and static quantisation.

tf2onnx 1.17 converts TensorFlow 2.21 functions (``from_function`` on a ``tf.function`` that
calls the loaded model; Keras 3 ``.keras``, Keras 2 ``.h5`` and SavedModel signatures alike).
``--layout nchw`` transposes the input inside the graph (``inputs_as_nchw``), so a channels-first
model comes out without a Transpose the caller must do. The input is named ``input`` and the
output ``output``, with a symbolic batch axis.

``--quantize dynamic``: ``onnxruntime.quantization.quantize_dynamic`` (int8 weights, activations
quantised at run time). ``--quantize int8``: static QDQ quantisation calibrated on
``--calibration`` images (int8 weights and activations, float32 input and output).
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from convert import backend
from convert.errors import ConversionError, first_line
from convert.load import SourceModel
from core.inference.normalization import normalize

OPSET = 17
MODES = ("none", "dynamic", "int8")


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ConversionError(f"{name} is not installed (install the convert extra: "
                              "pip install -e '.[convert]')") from exc


def _rename_output(model: Any, new: str) -> None:
    old = model.graph.output[0].name
    for node in model.graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    model.graph.output[0].name = new


def export(source: SourceModel, layout: str, opset: int = OPSET) -> bytes:
    """The float32 ONNX model of ``source`` with input ``input`` in ``layout``."""
    if source.call is None:
        raise ConversionError(f"{source.kind} models cannot be exported to ONNX")
    tf = backend.tensorflow()
    tf2onnx = _module("tf2onnx")
    spec = (tf.TensorSpec((None, source.height, source.width, 3), tf.float32, name="input"),)
    function = tf.function(source.call, input_signature=spec)
    nchw = ["input"] if layout == "NCHW" else None
    try:
        with backend.captured_stderr():
            model, _ = tf2onnx.convert.from_function(function, input_signature=spec,
                                                     opset=opset, inputs_as_nchw=nchw)
    except Exception as exc:  # tf2onnx raises anything
        raise ConversionError(f"ONNX export failed: {first_line(exc)}") from exc
    _rename_output(model, "output")
    return bytes(model.SerializeToString())


def quantize(model: bytes, mode: str, calibration: np.ndarray | None, family: str,
             layout: str) -> bytes:
    """``model`` quantised by ONNX Runtime (``none`` returns it unchanged)."""
    if mode not in MODES:
        raise ConversionError(f"--quantize {mode} is not available for ONNX; use one of "
                              f"{', '.join(MODES)}")
    if mode == "none":
        return model
    quant = _module("onnxruntime.quantization")
    with tempfile.TemporaryDirectory(prefix="onnx-quant-") as work:
        source, target = Path(work) / "float.onnx", Path(work) / "quant.onnx"
        source.write_bytes(model)
        try:
            with backend.captured_stderr():
                quant.quant_pre_process(str(source), str(source), skip_symbolic_shape=True)
                if mode == "dynamic":
                    quant.quantize_dynamic(str(source), str(target),
                                           weight_type=quant.QuantType.QInt8)
                else:
                    _static(quant, source, target, calibration, family, layout)
        except ConversionError:
            raise
        except Exception as exc:  # ONNX Runtime's quantiser raises anything
            raise ConversionError(f"ONNX {mode} quantisation failed: {first_line(exc)}") from exc
        return target.read_bytes()


def _static(quant: Any, source: Path, target: Path, calibration: np.ndarray | None,
            family: str, layout: str) -> None:
    if calibration is None:
        raise ConversionError("--quantize int8 needs --calibration DIR (a folder of images)")
    pixels: np.ndarray = calibration

    class Reader(quant.CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._feeds = _feeds(pixels, family, layout)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._feeds, None)

    quant.quantize_static(str(source), str(target), Reader(),
                          quant_format=quant.QuantFormat.QDQ,
                          activation_type=quant.QuantType.QInt8,
                          weight_type=quant.QuantType.QInt8, per_channel=True)


def _feeds(pixels: np.ndarray, family: str, layout: str) -> Iterator[dict[str, np.ndarray]]:
    for image in tqdm(pixels, desc="calibrating", unit="img", disable=None, leave=False):
        batch = normalize(image[None], family)
        yield {"input": np.ascontiguousarray(batch.transpose(0, 3, 1, 2)) if layout == "NCHW"
               else batch}
