"""Check that a model takes one RGB image tensor and returns one (batch, classes) tensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from convert.errors import ConversionError

Shape = tuple[int | None, ...]


def _shape(value: Any) -> Shape:
    dims = value.as_list() if hasattr(value, "as_list") else list(value)
    return tuple(None if d is None else int(d) for d in dims)


def model_shapes(model: Any) -> tuple[list[Shape], list[Shape]]:
    """Input and output shapes of a functional or sequential Keras model (2 or 3)."""
    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except (AttributeError, ValueError) as exc:
        raise ConversionError("the Keras model has no defined inputs (a subclassed model that "
                              "was never built); save a functional model instead") from exc
    return [_shape(t.shape) for t in inputs], [_shape(t.shape) for t in outputs]


def signature_shapes(function: Any) -> tuple[str, Shape, str, Shape]:
    """(input name, input shape, output name, output shape) of a SavedModel signature."""
    inputs = function.structured_input_signature[1]
    outputs = function.structured_outputs
    if len(inputs) != 1 or len(outputs) != 1:
        raise ConversionError(f"the model has {len(inputs)} inputs and {len(outputs)} outputs; "
                              "an image classifier has one of each")
    (in_name, in_spec), = inputs.items()
    (out_name, out_spec), = outputs.items()
    return in_name, _shape(in_spec.shape), out_name, _shape(out_spec.shape)


def check_signature(inputs: Sequence[Shape], outputs: Sequence[Shape]) -> tuple[int, int, int]:
    """(height, width, classes) of a model with one NHWC RGB input and one (batch, N) output."""
    if len(inputs) != 1 or len(outputs) != 1:
        raise ConversionError(f"the model has {len(inputs)} inputs and {len(outputs)} outputs; "
                              "an image classifier has one of each")
    shape, out = inputs[0], outputs[0]
    if len(shape) != 4 or shape[3] not in (1, 3):
        raise ConversionError(f"the model input {_show(shape)} is not an image tensor: expected "
                              "rank 4 (batch, height, width, 1 or 3 channels)")
    if shape[3] == 1:
        raise ConversionError(f"the model input {_show(shape)} is single-channel; the serving "
                              "core feeds RGB images, so only 3-channel models are converted")
    height, width = shape[1], shape[2]
    if height is None or width is None:
        raise ConversionError(f"the model input {_show(shape)} has no fixed height and width; "
                              "rebuild the model with a fixed input_shape")
    if len(out) != 2 or out[1] is None:
        raise ConversionError(f"the model output {_show(out)} is not (batch, classes)")
    return height, width, out[1]


def _show(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
