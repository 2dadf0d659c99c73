"""The input tensor's shape read as an image: NHWC or NCHW, and the width and height.

A shape entry is an int, or -1 where the model leaves the dimension symbolic.
"""

from __future__ import annotations

from core.config.choices import LAYOUTS
from core.errors import ConfigError

_CHANNEL_AXIS = {"NHWC": 3, "NCHW": 1}


def find_layout(shape: tuple[int, ...], declared: str = "auto") -> str:
    """NCHW when 3 channels sit at index 1, NHWC at index 3; ``declared`` settles a tie."""
    if len(shape) != 4:
        raise ConfigError(f"model input {list(shape)} is not a 4-D image tensor")
    at1, at3 = shape[1] == 3, shape[3] == 3
    found = "NCHW" if at1 and not at3 else "NHWC" if at3 and not at1 else None
    if declared == "auto":
        if found is None:
            raise ConfigError(f"cannot tell whether model input {list(shape)} is NHWC or NCHW; "
                              "set input.layout in the manifest or MODEL_LAYOUT")
        return found
    if declared not in _CHANNEL_AXIS:
        raise ConfigError(f"input layout must be one of {', '.join(LAYOUTS)}, got {declared!r}")
    if shape[_CHANNEL_AXIS[declared]] not in (3, -1):
        raise ConfigError(f"model input {list(shape)} has no 3 (RGB) channels where "
                          f"{declared} puts them")
    return declared


def find_size(shape: tuple[int, ...], layout: str, height: int, width: int) -> tuple[int, int]:
    """(width, height) of the input: the model's own, else the manifest's or MODEL_INPUT_SIZE."""
    model_h, model_w = (shape[1], shape[2]) if layout == "NHWC" else (shape[2], shape[3])
    if (height, width) != (0, 0) and model_h > 0 and model_w > 0 \
            and (height, width) != (model_h, model_w):
        raise ConfigError(f"manifest input {width}x{height} disagrees with the model's input "
                          f"{model_w}x{model_h}")
    size_h = model_h if model_h > 0 else height
    size_w = model_w if model_w > 0 else width
    if size_h <= 0 or size_w <= 0:
        raise ConfigError(f"model input {list(shape)} has a symbolic height or width; set "
                          "input.height and input.width in the manifest or MODEL_INPUT_SIZE")
    return size_w, size_h
