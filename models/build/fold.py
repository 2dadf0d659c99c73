"""Temperature scaling folded into a TFLite classifier: ``softmax(logits / T)`` in the graph.

The graph must end ``FULLY_CONNECTED -> SOFTMAX`` (the appended head does). A float32 dense
layer gets its weights and bias divided by ``T``. An int8 one keeps every integer: its weight,
bias and output scales are divided by ``T``, so the integer arithmetic (which uses the ratio
input scale x weight scale / output scale) is unchanged and the int8 SOFTMAX reads the same
integers as logits ``T`` times smaller. Either way no operator is added and the invoke cost
is the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.build import graph

Op = graph.Op


class FoldError(ValueError):
    """The graph does not end in a dense layer and a softmax, or the temperature is invalid."""


def _producer(subgraph: Any, tensor: int) -> Any:
    for op in subgraph.operators:
        if tensor in [int(t) for t in op.outputs]:
            return op
    raise FoldError(f"no operator computes tensor {tensor}")


def _builtin(model: Any, op: Any) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return int(max(code.builtinCode, code.deprecatedBuiltinCode))


def head_ops(model: Any) -> tuple[Any, Any]:
    """(FULLY_CONNECTED, SOFTMAX) operators that compute the graph's only output."""
    subgraph = model.subgraphs[0]
    if len(subgraph.outputs) != 1:
        raise FoldError("the graph must have exactly one output")
    softmax = _producer(subgraph, int(subgraph.outputs[0]))
    if _builtin(model, softmax) != Op.SOFTMAX:
        raise FoldError("the graph's output is not computed by a SOFTMAX")
    dense = _producer(subgraph, int(softmax.inputs[0]))
    if _builtin(model, dense) != Op.FULLY_CONNECTED or len(dense.inputs) < 3 or dense.inputs[2] < 0:
        raise FoldError("the SOFTMAX's input is not a FULLY_CONNECTED layer with a bias")
    return dense, softmax


def _scale_float(model: Any, tensor: Any, factor: float) -> None:
    buffer = model.buffers[int(tensor.buffer)]
    values = np.frombuffer(bytes(bytearray(buffer.data)), dtype=np.float32)
    scaled = (values.astype(np.float64) * factor).astype(np.float32)
    buffer.data = np.frombuffer(scaled.tobytes(), dtype=np.uint8)


def _scale_quantisation(tensor: Any, factor: float) -> None:
    params = tensor.quantization
    if params is None or params.scale is None or len(params.scale) == 0:
        raise FoldError(f"tensor {tensor.name!r} is integer but has no quantisation scale")
    params.scale = (np.asarray(params.scale, dtype=np.float64) * factor).astype(np.float32)


def _scale(model: Any, tensor: Any, factor: float) -> None:
    """Float constants: the values times ``factor``; integer tensors: their scales."""
    if tensor.type == graph.FLOAT32:
        data = model.buffers[int(tensor.buffer)].data
        if data is None or len(data) == 0:
            return  # a float activation: nothing to rescale
        _scale_float(model, tensor, factor)
    else:
        _scale_quantisation(tensor, factor)


def fold(blob: bytes, temperature: float, description: str | None = None) -> bytes:
    """The model with its logits divided by ``temperature`` before the softmax.

    Float, hybrid (int8 weights, float activations) and full-integer dense layers are handled;
    ``description`` replaces the flatbuffer's description when given.
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise FoldError(f"the temperature must be a positive number, not {temperature}")
    model = graph.load(blob)
    dense, _ = head_ops(model)
    tensors = model.subgraphs[0].tensors
    factor = 1.0 / temperature
    for index in (dense.inputs[1], dense.inputs[2], dense.outputs[0]):
        _scale(model, tensors[int(index)], factor)
    if description is None:
        description = model.description.decode() if model.description else ""
    return graph.dump(model, description)
