"""Quantisation modes: how each one configures a ``tf.lite.TFLiteConverter``.

``int8`` is full-integer post-training quantisation calibrated on real images. Its input and
output stay float32 by default (``--io float32``: the model quantises at its edges, so any
normalisation works and the scores come out as floats); ``--io uint8`` or ``--io int8`` make the
tensors themselves integer, which the core feeds through the tensor's scale and zero point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from convert import backend
from convert.errors import ConversionError

MODES = ("none", "float16", "dynamic", "int8")
IO_TYPES = ("float32", "uint8", "int8")

Dataset = Callable[[], Iterator[list[np.ndarray]]]


def configure(converter: Any, mode: str, dataset: Dataset | None, io_type: str = "float32") -> None:
    """Set ``converter`` up for ``mode`` (``dataset`` is required for ``int8``)."""
    tf = backend.tensorflow()
    if mode not in MODES:
        raise ConversionError(f"--quantize must be one of {', '.join(MODES)}, got {mode!r}")
    if io_type != "float32" and mode != "int8":
        raise ConversionError(f"--io {io_type} needs --quantize int8")
    if mode == "none":
        return
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif mode == "int8":
        if dataset is None:
            raise ConversionError("--quantize int8 needs --calibration DIR (a folder of images)")
        converter.representative_dataset = dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if io_type != "float32":
            dtype = tf.uint8 if io_type == "uint8" else tf.int8
            converter.inference_input_type = dtype
            converter.inference_output_type = dtype
