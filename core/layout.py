"""Image tensor layouts: NHWC or NCHW from the input shape, the input size, and the encoder
that turns uint8 RGB pixels (N, H, W, 3) into the model's input tensor in its layout and dtype.

A shape entry is an int, or -1 where the model leaves the dimension symbolic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import ConfigError

LAYOUTS = ("auto", "NHWC", "NCHW")
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


def parse_size(text: str) -> tuple[int, int]:
    """``224`` or ``WIDTHxHEIGHT`` (``224x200``) as (height, width)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    width, height = int(parts[0]), int(parts[-1])
    if width <= 0 or height <= 0:
        raise ValueError(text)
    return height, width


@dataclass(frozen=True)
class Encoder:
    """uint8 (N, H, W, 3) RGB -> the input tensor, through a per-channel lookup table.

    ``table[c][level]`` is the tensor value of pixel level ``level`` in tensor channel ``c``
    (normalisation folded in); ``order[c]`` the source channel (BGR models swap).
    """

    table: np.ndarray
    order: tuple[int, ...]
    layout: str

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        source = pixels if self.order == (0, 1, 2) else pixels[..., self.order]
        if self.layout == "NCHW":
            source = source.transpose(0, 3, 1, 2)
        out = np.empty(source.shape, dtype=self.table.dtype)
        line = _line(self.table)
        if line is not None:
            np.multiply(source, line[0], out=out, casting="unsafe")
            np.add(out, line[1], out=out, casting="unsafe")
            return out
        axis = 1 if self.layout == "NCHW" else 3
        for channel in range(3):
            index = (slice(None),) * axis + (channel,)
            out[index] = self.table[channel][source[index]]
        return out


def _line(table: np.ndarray) -> tuple[Any, Any] | None:
    """(scale, offset) when every channel maps pixels by the same exact line, else None."""
    from core.tensors import uniform_linear  # the same test the TFLite path uses, plus exactness

    line = uniform_linear(table)
    if line is None:
        return None
    if not np.array_equal(np.arange(256, dtype=np.uint8) * line[0] + line[1], table[0]):
        return None
    return line
