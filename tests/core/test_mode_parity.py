"""Transparency by one rule in every pixel mode."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.images.resize import load_rgb
from tests import pixel_modes

SMALL = (120, 90)


@pytest.mark.parametrize("mode", ["RGBA translucent", "LA", "P transparent index",
                                  "P palette alpha", "L tRNS", "RGB tRNS", "I;16 tRNS"])
def test_a_transparent_pixel_is_white_in_every_variant(mode: str) -> None:
    data, _ = pixel_modes.variants(SMALL)[mode]
    decoded = Image.open(io.BytesIO(data))
    rgba = np.asarray(decoded.convert("RGBA")) if mode != "I;16 tRNS" else None
    transparent = (np.asarray(decoded) == decoded.info["transparency"]) if rgba is None \
        else rgba[..., 3] == 0
    assert transparent.any()
    pixels = load_rgb(data, SMALL, "nearest", draft=False)
    assert (pixels[transparent] == 255).all()
