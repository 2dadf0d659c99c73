"""The backbone's last block, dequantised into Keras so it can be fine-tuned, and requantised.

The int8 MobileNetV2 is cut at ``activations.CUT`` (input of its last inverted-residual block).
Everything after it up to the global pool -- expand 1x1 conv + ReLU6, depthwise 3x3 + ReLU6,
project 1x1 conv, 1x1 conv to 1280 + ReLU6, mean -- is rebuilt in Keras with the weights
dequantised from the flatbuffer (batch norm is already folded into them).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from convert import backend
from models.build import graph
from models.build.activations import CUT, POOL

F32 = NDArray[np.float32]
Op = schema.BuiltinOperator
RELU6 = schema.ActivationFunctionType.RELU6


@dataclass(frozen=True)
class ConvLayer:
    """One float convolution: kernel in Keras layout, bias, and whether ReLU6 follows."""

    kind: str  # "conv" or "depthwise"
    kernel: F32
    bias: F32
    relu6: bool


def dequantise_tensor(model: Any, index: int) -> F32:
    """Float values of an int8/int32 constant tensor (per-tensor or per-channel scales)."""
    tensor = model.subgraphs[0].tensors[index]
    dtype = np.int8 if tensor.type == schema.TensorType.INT8 else np.int32
    raw = np.frombuffer(bytes(model.buffers[tensor.buffer].data), dtype=dtype)
    values = raw.reshape([int(d) for d in tensor.shape]).astype(np.float64)
    quant = tensor.quantization
    shape = [1] * values.ndim
    shape[quant.quantizedDimension if len(quant.scale) > 1 else 0] = len(quant.scale)
    scale = np.asarray(quant.scale, dtype=np.float64).reshape(shape)
    zero = np.asarray(quant.zeroPoint, dtype=np.float64).reshape(shape)
    return ((values - zero) * scale).astype(np.float32)


def extract(blob: bytes) -> list[ConvLayer]:
    """The float convolutions between ``CUT`` and ``POOL``, in execution order."""
    model = graph.load(blob)
    subgraph = model.subgraphs[0]
    layers: list[ConvLayer] = []
    for op in subgraph.operators:
        if not set(range(CUT, POOL)).intersection(int(t) for t in op.inputs[:1]):
            continue
        code = model.operatorCodes[op.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        if builtin not in (Op.CONV_2D, Op.DEPTHWISE_CONV_2D):
            continue
        kernel = dequantise_tensor(model, int(op.inputs[1])).transpose(1, 2, 3, 0)
        bias = dequantise_tensor(model, int(op.inputs[2]))
        kind = "conv" if builtin == Op.CONV_2D else "depthwise"
        relu6 = op.builtinOptions.fusedActivationFunction == RELU6
        layers.append(ConvLayer(kind, np.ascontiguousarray(kernel), bias, relu6))
    return layers


def keras_tail(layers: list[ConvLayer], shape: tuple[int, int, int], flip_average: bool) -> Any:
    """Keras model: cut activation [7, 7, 160] -> pooled features [1280].

    With ``flip_average`` the convolutions also run on the activation mirrored left-right and
    the two pooled vectors are averaged (flip averaging folded into the graph, at the cut).
    """
    keras = backend.keras3()
    convs: list[Any] = []
    for index, layer in enumerate(layers):
        activation = "relu6" if layer.relu6 else None
        name = f"tail{index}"
        if layer.kind == "conv":
            conv = keras.layers.Conv2D(
                layer.kernel.shape[-1], 1, padding="same", activation=activation, name=name
            )
        else:
            conv = keras.layers.DepthwiseConv2D(
                layer.kernel.shape[0], padding="same", activation=activation, name=name
            )
        convs.append(conv)
    pool = keras.layers.GlobalAveragePooling2D(name="pool")
    inputs = keras.Input(shape)

    def run(x: Any) -> Any:
        for conv in convs:
            x = conv(x)
        return pool(x)

    pooled = run(inputs)
    if flip_average:
        mirrored = keras.layers.Lambda(lambda t: t[:, :, ::-1, :], name="mirror")(inputs)
        pooled = keras.layers.Average(name="flip_average")([pooled, run(mirrored)])
    model = keras.Model(inputs, pooled, name="tail")
    for conv, layer in zip(convs, layers, strict=True):
        conv.set_weights([layer.kernel, layer.bias])
    return model


def head_layers(model: Any) -> list[tuple[F32, F32]]:
    """The head's dense layers (``head0`` when there is one, then ``head1``) as NumPy
    (weights [in, out], bias)."""
    out: list[tuple[F32, F32]] = []
    for layer in model.layers:
        if layer.name in ("head0", "head1"):
            kernel, bias = layer.get_weights()
            out.append((np.asarray(kernel, np.float32), np.asarray(bias, np.float32)))
    return out


def quantise(model: Any, calibration: F32, io: tuple[str, str] | None = None) -> bytes:
    """Full-integer int8 TFLite of ``model``, calibrated on the rows of ``calibration`` (float
    inputs); ``io`` names the input and output types (e.g. ``("uint8", "int8")``), else float."""
    tf = backend.tensorflow()
    with tempfile.TemporaryDirectory() as folder:
        with backend.captured_stderr():
            model.export(folder, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if io is not None:
            converter.inference_input_type = getattr(tf, io[0])
            converter.inference_output_type = getattr(tf, io[1])

        def dataset() -> Any:
            for row in calibration:
                yield [row[None].astype(np.float32)]

        converter.representative_dataset = dataset
        with backend.captured_stderr():
            blob: bytes = converter.convert()
    return blob


def run(part: bytes, x: F32) -> F32:
    """Outputs of a float-input ``.tflite`` (the quantised tail) for each row of ``x``."""
    interpreter = Interpreter(model_content=part, num_threads=2)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]
    rows: list[F32] = []
    for row in x:
        interpreter.set_tensor(source, row[None].astype(np.float32))
        interpreter.invoke()
        rows.append(np.asarray(interpreter.get_tensor(target), np.float32).reshape(-1))
    return np.stack(rows)
