"""TFLite flatbuffer surgery: cut a backbone at its pooled features and append a float head."""

from __future__ import annotations

from typing import Any

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema  # untyped generated code
from numpy.typing import NDArray

from models.build.head import Layer

Op = schema.BuiltinOperator
Model = Any  # schema.ModelT: generated, untyped
FLOAT32 = schema.TensorType.FLOAT32
_OP_VERSIONS: dict[tuple[int, int], int] = {(Op.DEQUANTIZE, schema.TensorType.INT8): 2}


def _needed_ops(subgraph: Any, target: int) -> list[int]:
    """Indices of the operators that ``target`` depends on, in execution order."""
    needed, keep = {target}, []
    for index in range(len(subgraph.operators) - 1, -1, -1):
        op = subgraph.operators[index]
        if needed.intersection(int(t) for t in op.outputs):
            keep.append(index)
            needed.update(int(t) for t in op.inputs if t >= 0)
    return keep[::-1]


def _remap(values: list[int], old: int) -> int:
    return -1 if old < 0 else values.index(old)


def prune(model: Model, target: int) -> int:
    """Keep only what computes tensor ``target``; drop metadata; return its new index."""
    subgraph = model.subgraphs[0]
    ops = [subgraph.operators[i] for i in _needed_ops(subgraph, target)]
    used = {int(t) for t in subgraph.inputs} | {target}
    for op in ops:
        used.update(int(t) for t in list(op.inputs) + list(op.outputs) if t >= 0)
    tensors = sorted(used)
    buffers = sorted({0} | {int(subgraph.tensors[t].buffer) for t in tensors})
    codes = sorted({int(op.opcodeIndex) for op in ops})
    for op in ops:
        op.inputs = [_remap(tensors, int(t)) for t in op.inputs]
        op.outputs = [_remap(tensors, int(t)) for t in op.outputs]
        op.opcodeIndex = codes.index(int(op.opcodeIndex))
    subgraph.tensors = [subgraph.tensors[t] for t in tensors]
    for tensor in subgraph.tensors:
        tensor.buffer = buffers.index(int(tensor.buffer))
    subgraph.operators = ops
    subgraph.inputs = [tensors.index(int(t)) for t in subgraph.inputs]
    subgraph.outputs = [tensors.index(target)]
    model.buffers = [model.buffers[b] for b in buffers]
    model.operatorCodes = [model.operatorCodes[c] for c in codes]
    model.metadata, model.metadataBuffer, model.signatureDefs = None, None, None
    return tensors.index(target)


def add_tensor(model: Model, name: str, shape: list[int], data: NDArray[Any] | None = None) -> int:
    """Append a float32 tensor (a constant when ``data`` is given); return its index."""
    tensor = schema.TensorT()
    tensor.name, tensor.type = name, FLOAT32
    tensor.shape = np.asarray(shape, dtype=np.int32)
    if data is not None:
        tensor.type = schema.TensorType.INT32 if data.dtype == np.int32 else FLOAT32
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
        model.buffers.append(buffer)
        tensor.buffer = len(model.buffers) - 1
    model.subgraphs[0].tensors.append(tensor)
    return len(model.subgraphs[0].tensors) - 1


def _opcode(model: Model, builtin: int, version: int) -> int:
    for index, code in enumerate(model.operatorCodes):
        if max(code.builtinCode, code.deprecatedBuiltinCode) == builtin:
            code.version = max(code.version, version)
            return index
    code = schema.OperatorCodeT()
    code.builtinCode, code.deprecatedBuiltinCode = builtin, min(builtin, 127)
    code.version = version
    model.operatorCodes.append(code)
    return len(model.operatorCodes) - 1


def add_op(
    model: Model, builtin: int, inputs: list[int], outputs: list[int], options: Any = None
) -> None:
    """Append a builtin operator; ``options`` is a ``...OptionsT`` object or None."""
    source = model.subgraphs[0].tensors[inputs[0]].type
    op = schema.OperatorT()
    op.opcodeIndex = _opcode(model, builtin, _OP_VERSIONS.get((builtin, source), 1))
    op.inputs, op.outputs = inputs, outputs
    if options is not None:
        kind = type(options).__name__.removesuffix("T")
        op.builtinOptionsType = getattr(schema.BuiltinOptions, kind)
        op.builtinOptions = options
    model.subgraphs[0].operators.append(op)


def _dense(model: Model, x: int, layer: Layer, name: str, relu: bool) -> int:
    weights, bias = layer
    units = int(weights.shape[1])
    kernel = add_tensor(model, f"{name}/kernel", [units, int(weights.shape[0])], weights.T)
    offset = add_tensor(model, f"{name}/bias", [units], bias.astype(np.float32))
    out = add_tensor(model, f"{name}/logits", [1, units])
    options = schema.FullyConnectedOptionsT()
    add_op(model, Op.FULLY_CONNECTED, [x, kernel, offset], [out], options)
    if not relu:
        return out
    activated = add_tensor(model, f"{name}/relu", [1, units])
    add_op(model, Op.RELU, [out], [activated])
    return activated


def append_head(model: Model, feature: int, layers: list[Layer], prefix: str = "head") -> int:
    """Append DEQUANTIZE -> RESHAPE -> dense layers (ReLU between) -> SOFTMAX after ``feature``.

    ``model`` is pruned to what computes ``feature`` first; returns the output tensor index.
    """
    feature = prune(model, feature)
    tensor = model.subgraphs[0].tensors[feature]
    width = int(np.prod(tensor.shape))
    x = feature
    if tensor.type != FLOAT32:
        x = add_tensor(model, f"{prefix}/features", [int(d) for d in tensor.shape])
        add_op(model, Op.DEQUANTIZE, [feature], [x])
    shape = add_tensor(model, f"{prefix}/shape", [2], np.asarray([-1, width], dtype=np.int32))
    flat = add_tensor(model, f"{prefix}/flatten", [1, width])
    reshape = schema.ReshapeOptionsT()
    reshape.newShape = [-1, width]
    add_op(model, Op.RESHAPE, [x, shape], [flat], reshape)
    for index, layer in enumerate(layers):
        flat = _dense(model, flat, layer, f"{prefix}/dense{index}", index < len(layers) - 1)
    probs = add_tensor(model, f"{prefix}/probabilities", [1, int(layers[-1][0].shape[1])])
    softmax = schema.SoftmaxOptionsT()
    softmax.beta = 1.0
    add_op(model, Op.SOFTMAX, [flat], [probs], softmax)
    model.subgraphs[0].outputs = [probs]
    return probs


def load(data: bytes) -> Model:
    """Unpack a ``.tflite`` flatbuffer into the mutable object API."""
    return schema.ModelT.InitFromPackedBuf(bytearray(data), 0)


def dump(model: Model, description: str) -> bytes:
    """Pack the object-API model back into ``.tflite`` bytes."""
    model.description = description
    builder = flatbuffers.Builder(1 << 20)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def splice(model: Model, cut: int, part: Model) -> int:
    """Feed tensor ``cut`` of ``model`` (int8) into the float input of ``part``; return its output.

    ``model`` is pruned to what computes ``cut``; ``part`` (one subgraph, one input, one output)
    is appended behind a DEQUANTIZE of ``cut``, with its tensors, buffers and opcodes.
    """
    cut = prune(model, cut)
    subgraph, other = model.subgraphs[0], part.subgraphs[0]
    tensor_base, buffer_base = len(subgraph.tensors), len(model.buffers)
    model.buffers.extend(part.buffers)
    for tensor in other.tensors:
        tensor.buffer = 0 if tensor.buffer == 0 else int(tensor.buffer) + buffer_base
        subgraph.tensors.append(tensor)
    (start,) = other.inputs
    add_op(model, Op.DEQUANTIZE, [cut], [int(start) + tensor_base])
    for op in other.operators:
        code = part.operatorCodes[op.opcodeIndex]
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        op.opcodeIndex = _opcode(model, builtin, int(code.version))
        op.inputs = [-1 if t < 0 else int(t) + tensor_base for t in op.inputs]
        op.outputs = [int(t) + tensor_base for t in op.outputs]
        subgraph.operators.append(op)
    (end,) = other.outputs
    subgraph.outputs = [int(end) + tensor_base]
    return int(end) + tensor_base
