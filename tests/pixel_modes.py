"""One picture in every pixel mode the service reads, each with its plain reference.

``variants(size)`` encodes the same photo-like picture as RGB, opaque and translucent RGBA,
LA, L, P with and without transparency, CMYK, 16-bit grey, and L and RGB with a tRNS colour,
and gives each the RGB pixels the reference rule makes of it: Pillow's ``convert("RGBA")``
composited on white with ``Image.alpha_composite`` where the image has alpha or a transparency
colour, ``convert("RGB")`` otherwise, and 16-bit levels scaled to 8 bits as
``(v * 255 + 32767) // 65535`` (a transparent 16-bit level becomes white).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from tests import images

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
KEY = (12, 34, 56)  # the RGB tRNS colour, painted over one block


def photo(size: tuple[int, int]) -> np.ndarray:
    """A mosaic of the sample photos at their own resolution (real photographic detail),
    mirrored in turn, resized to ``size`` when that is smaller than the mosaic's tile."""
    tiles = [Image.open(path).convert("RGB").crop((0, 0, 300, 225))
             for path in sorted(SAMPLES.glob("*.jpg"))]
    width, height = size
    mosaic = Image.new("RGB", (-(-width // 300) * 300, -(-height // 225) * 225))
    for row in range(mosaic.height // 225):
        for col in range(mosaic.width // 300):
            tile = tiles[(row + col) % len(tiles)]
            if (row * 3 + col) % 2:
                tile = tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            mosaic.paste(tile, (col * 300, row * 225))
    if width < 300:
        mosaic = mosaic.resize(size, Image.Resampling.LANCZOS)
    return np.asarray(mosaic.crop((0, 0, width, height)))


def composite(image: Image.Image) -> np.ndarray:
    """The reference rule for anything with alpha or a transparency colour."""
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, image.convert("RGBA")).convert("RGB"))


def _alpha(shape: tuple[int, int], seed: int) -> np.ndarray:
    height, width = shape
    ramp = np.linspace(0, 255, width)[None, :] + np.zeros((height, 1))
    noise = np.random.default_rng(seed).integers(-40, 40, (height, width))
    alpha = np.clip(ramp + noise, 0, 255).astype(np.uint8)
    alpha[: height // 4] = 0  # fully transparent rows
    alpha[-height // 4:] = 255  # fully opaque rows
    return alpha


def _png(image: Image.Image, **params: object) -> bytes:
    return images.encode(image, "PNG", **params)


def _grey16(grey: np.ndarray, seed: int) -> np.ndarray:
    fine = np.random.default_rng(seed).integers(0, 257, grey.shape)
    levels: np.ndarray = np.clip(grey.astype(np.int64) * 257 + fine - 128, 0, 65535)
    return levels.astype("<u2")


def _scaled(levels: np.ndarray) -> np.ndarray:
    grey = (levels.astype(np.int64) * 255 + 32767) // 65535
    rgb: np.ndarray = np.repeat(grey[..., None], 3, axis=2).astype(np.uint8)
    return rgb


@cache
def variants(size: tuple[int, int]) -> dict[str, tuple[bytes, np.ndarray]]:
    """Mode name -> (encoded image, reference RGB pixels at full size)."""
    rgb = photo(size)
    base = Image.fromarray(rgb, "RGB")
    height, width = rgb.shape[:2]
    grey = base.convert("L")
    out: dict[str, tuple[bytes, np.ndarray]] = {"RGB": (_png(base), rgb)}
    out["RGBA opaque"] = (_png(base.convert("RGBA")), rgb)
    rgba = base.convert("RGBA")
    rgba.putalpha(Image.fromarray(_alpha((height, width), 1)))
    out["RGBA translucent"] = (_png(rgba), composite(rgba))
    la = grey.convert("LA")
    la.putalpha(Image.fromarray(_alpha((height, width), 2)))
    out["LA"] = (_png(la), composite(la))
    out["L"] = (_png(grey), np.asarray(grey.convert("RGB")))
    palette = base.quantize(64)
    out["P"] = (_png(palette), np.asarray(palette.convert("RGB")))
    keyed = palette.copy()
    keyed.info["transparency"] = int(np.asarray(palette)[height // 2, width // 2])
    out["P transparent index"] = (_png(keyed, transparency=keyed.info["transparency"]),
                                  composite(keyed))
    shades = bytes(int(v) for v in np.linspace(0, 255, 64))
    faded = palette.copy()
    faded.info["transparency"] = shades
    out["P palette alpha"] = (_png(faded, transparency=shades), composite(faded))
    cmyk = images.encode(base.convert("CMYK"), "JPEG", quality=95)
    out["CMYK"] = (cmyk, np.asarray(Image.open(io.BytesIO(cmyk)).convert("RGB")))
    levels = _grey16(np.asarray(grey), 3)
    out["I;16"] = (_png(Image.fromarray(levels)), _scaled(levels))
    key = int(np.asarray(grey)[height // 2, width // 2])
    grey_keyed = grey.copy()
    grey_keyed.paste(key, (0, 0, width // 3, height // 3))
    grey_keyed.info["transparency"] = key
    out["L tRNS"] = (_png(grey_keyed, transparency=key), composite(grey_keyed))
    rgb_keyed = base.copy()
    rgb_keyed.paste(KEY, (width // 3, height // 3, width // 2, height // 2))
    rgb_keyed.info["transparency"] = KEY
    out["RGB tRNS"] = (_png(rgb_keyed, transparency=KEY), composite(rgb_keyed))
    levels_keyed = levels.copy()
    levels_keyed[: height // 3, : width // 3] = 4242
    trns16 = _scaled(levels_keyed)
    trns16[levels_keyed == 4242] = 255
    out["I;16 tRNS"] = (_png(Image.fromarray(levels_keyed), transparency=4242), trns16)
    return out


def png(pixels: np.ndarray) -> bytes:
    """Plain RGB pixels as a PNG (the twin of a variant: the same pixels, mode RGB)."""
    return _png(Image.fromarray(pixels, "RGB"))
