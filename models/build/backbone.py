"""The whole int8 MobileNetV2 backbone dequantised into Keras, so every block can be fine-tuned.

The flatbuffer's operators up to its first MEAN (the global pool) are replayed in order:
CONV_2D and DEPTHWISE_CONV_2D (batch norm already folded into their weights, optional fused
ReLU6, TensorFlow's SAME padding), ADD (the residual connections) and MEAN. The float model
takes pixels scaled to [-1, 1] and returns the pooled features [1280].
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ai_edge_litert import schema_py_generated as schema

from convert import backend
from models.build import graph
from models.build.tail import dequantise_tensor

Op = schema.BuiltinOperator
RELU6 = schema.ActivationFunctionType.RELU6


def _conv(keras: Any, model: Any, op: Any, builtin: int, name: str) -> tuple[Any, list[Any]]:
    """A Keras convolution layer for ``op`` and its float weights."""
    kernel = dequantise_tensor(model, int(op.inputs[1])).transpose(1, 2, 3, 0)
    bias = dequantise_tensor(model, int(op.inputs[2]))
    options = op.builtinOptions
    activation = "relu6" if options.fusedActivationFunction == RELU6 else None
    strides = (int(options.strideH), int(options.strideW))
    if builtin == Op.CONV_2D:
        layer = keras.layers.Conv2D(
            kernel.shape[-1], kernel.shape[:2], strides, padding="same",
            activation=activation, name=name,
        )
    else:
        layer = keras.layers.DepthwiseConv2D(
            kernel.shape[:2], strides, padding="same", activation=activation, name=name
        )
    return layer, [np.ascontiguousarray(kernel), bias]


def keras_backbone(blob: bytes, size: int = 224) -> Any:
    """Keras model: pixels in [-1, 1], shape [size, size, 3] -> pooled features [1280]."""
    keras = backend.keras3()
    model = graph.load(blob)
    subgraph = model.subgraphs[0]
    inputs = keras.Input((size, size, 3), name="pixels")
    values: dict[int, Any] = {}
    weights: list[tuple[Any, list[Any]]] = []
    for index, op in enumerate(subgraph.operators):
        code = model.operatorCodes[op.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        out = int(op.outputs[0])
        if builtin == Op.QUANTIZE and not values:
            values[out] = inputs
        elif builtin in (Op.CONV_2D, Op.DEPTHWISE_CONV_2D):
            layer, params = _conv(keras, model, op, builtin, f"op{index}")
            values[out] = layer(values[int(op.inputs[0])])
            weights.append((layer, params))
        elif builtin == Op.ADD:
            left, right = (values[int(t)] for t in op.inputs[:2])
            values[out] = keras.layers.Add(name=f"op{index}")([left, right])
        elif builtin == Op.MEAN:
            pooled = keras.layers.GlobalAveragePooling2D(name="pool")(values[int(op.inputs[0])])
            break
        else:
            raise ValueError(f"operator {builtin} at {index} is not supported")
    else:
        raise ValueError("the model has no MEAN (global pool) operator")
    result = keras.Model(inputs, pooled, name="backbone")
    for layer, params in weights:
        layer.set_weights(params)
    return result
