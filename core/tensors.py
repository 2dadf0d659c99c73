"""Model input/output descriptions and the pixel -> input-tensor lookup table both runtimes use.

The table folds the normalisation and the tensor's quantisation into one gather per channel
(uint8 pixels in, no float64 intermediates at request time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core import errors
from core.manifest import Manifest
from core.preprocess import affine


@dataclass(frozen=True)
class TensorInfo:
    """Shape (-1 where symbolic), dtype, quantisation and name of a model input or output."""

    shape: tuple[int, ...]
    dtype: Any
    scale: float
    zero_point: int
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON form for ``GET /model``."""
        return {"name": self.name, "shape": list(self.shape),
                "dtype": np.dtype(self.dtype).name,
                "quantization": {"scale": self.scale, "zero_point": self.zero_point}}

    @property
    def values(self) -> int:
        """Values per batch item (the product of every dimension after the first)."""
        return int(np.prod(self.shape[1:])) if len(self.shape) > 1 else 1


def input_table(manifest: Manifest, info: TensorInfo) -> tuple[np.ndarray, tuple[int, ...]]:
    """Per-channel lookup table pixel -> input tensor value, and the source channel order."""
    dtype = np.dtype(info.dtype)
    family = manifest.normalization
    if family == "auto":
        family = "none"
        if dtype.kind in "iu" and info.scale > 0:  # quantised input: pass pixels through
            return identity_table(dtype), (0, 1, 2)
    if dtype == np.uint8 and info.scale <= 0 and family == "none" and manifest.color == "RGB":
        return identity_table(dtype), (0, 1, 2)  # a plain uint8 input takes pixel levels
    order, scale, offset = affine(family)
    bgr = order == "BGR" or manifest.color == "BGR"
    levels = np.arange(256, dtype=np.float64)
    values = levels[None, :] * scale[:, None] + offset[:, None]
    if dtype.kind in "iu":
        if info.scale <= 0:
            raise errors.ConfigError(f"integer model input has no quantisation scale ({dtype})")
        limits = np.iinfo(dtype)
        values = np.clip(np.round(values / info.scale + info.zero_point), limits.min, limits.max)
    return values.astype(dtype), ((2, 1, 0) if bgr else (0, 1, 2))


def identity_table(dtype: np.dtype[Any]) -> np.ndarray:
    """The table that passes pixel levels through (shifted by 128 for int8)."""
    levels = np.arange(256)
    if dtype == np.int8:
        levels = levels - 128
    return np.tile(levels, (3, 1)).astype(dtype)


def uniform_linear(table: np.ndarray) -> tuple[np.floating[Any], np.floating[Any]] | None:
    """(scale, offset) when a float input maps every channel by the same line, else None.

    One scalar multiply-add then replaces three table gathers: 0.34 -> 0.05 ms on a 299x299
    input (xception, mobilenet, efficientnet, none); per-channel families keep the table.
    """
    if table.dtype.kind != "f":
        return None
    levels = table.astype(np.float64)
    scale, offset = (levels[:, 255] - levels[:, 0]) / 255, levels[:, 0]
    if np.ptp(scale) > 0 or np.ptp(offset) > 0:
        return None
    return table.dtype.type(scale[0]), table.dtype.type(offset[0])
