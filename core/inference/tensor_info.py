"""How a model describes one input or output tensor: shape, dtype, quantisation and name."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class TensorInfo(NamedTuple):
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
