"""Small full-integer TFLite models the tests build with TensorFlow (no downloads).

Each is a real classifier graph (a strided convolution, ReLU, global average pooling, a dense
head) quantised with a representative dataset of raw 0..255 pixels, so the converter chooses
the input's quantisation itself: scale 1.0 with zero point -128 for an int8 input, zero point 0
for a uint8 one.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

SIZE = 16  # input height and width
CLASSES = 5


def build(path: Path, input_type: str = "int8", seed: int = 0) -> Path:
    """Write a full-integer model with an ``input_type`` (int8 or uint8) input and output."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    kernel = tf.constant(rng.normal(0, 0.05, (3, 3, 3, 6)).astype(np.float32))
    dense = tf.constant(rng.normal(0, 0.5, (6, CLASSES)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, SIZE, SIZE, 3], tf.float32)])  # type: ignore[untyped-decorator]
    def model(x: Any) -> Any:
        hidden = tf.nn.relu(tf.nn.conv2d(x, kernel, 2, "VALID"))
        return tf.matmul(tf.reduce_mean(hidden, axis=[1, 2]), dense)

    def representative() -> object:
        for _ in range(8):
            pixels = rng.integers(0, 256, (1, SIZE, SIZE, 3)).astype(np.float32)
            pixels[0, 0, 0], pixels[0, 0, 1] = 0, 255  # the full pixel range is seen
            yield [pixels]

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [model.get_concrete_function()], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = getattr(tf, input_type)
    converter.inference_output_type = getattr(tf, input_type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the converter's notes on statistics, not tested here
        path.write_bytes(converter.convert())
    return path
