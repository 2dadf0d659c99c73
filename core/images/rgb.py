"""Any decoded image as 8-bit RGB, converted tile by tile, box-reduced the same way in every mode.

The rule for every mode: what Pillow's ``convert("RGBA")`` composited on white with
``Image.alpha_composite`` gives where the image has alpha or a transparency colour (a PNG tRNS
chunk in L, RGB or 16-bit grey, a palette's transparent entries), ``convert("RGB")`` otherwise;
16-bit and float grey levels are scaled to 0..255 first. Identical pixels therefore give an
identical result whatever the mode they arrive in.

Converting a 5000 x 5000 RGBA image at full size (convert, a white background, the composite)
added 666 MB of peak RSS, and rescaling 16-bit levels with int64 temporaries 472 MB.
``shrink_to_rgb`` converts one tile of about 1 MP at a time and, before a smooth resize filter,
box-reduces each tile before pasting it into the small output: the decoded image is the only
full-size buffer. An RGB image is reduced by the same factor, so the mode never changes the
result; the factor divides both sides, so the reduced image has the picture's exact geometry,
and the reduction changes pixels by a few levels at most (docs/models.md states the bound).
A picture that is not reduced (nearest or box filters, sides without a common divisor) is
converted at full size, which the decode budget counts.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

_TILE_SIDE = 1024  # conversion tiles: about 1 MP, so each temporary is a few MB
_TILE_PIXELS = 1 << 20
_GAP = 3  # the reduced short side stays at least this many times the target's long side
# Filters whose result a prior box reduction barely changes; nearest picks source pixels and
# box averages exact source cells, so both run on the full-size image.
SMOOTH = ("bilinear", "bicubic", "lanczos", "hamming")
_ALPHA_MODES = ("RGBA", "LA", "RGBa", "La", "PA")

Box = tuple[float, float, float, float]


def reduction(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The box-reduction factor: the largest whole divisor of both sides that keeps the short
    side at least ``_GAP`` times the target's long side (either side may become a crop's long
    side). Whole square boxes only, so the reduced image covers exactly the picture; a picture
    whose sides share no such divisor is not reduced."""
    width, height = size
    most = max(1, min(width, height) // (_GAP * max(target)))
    common = math.gcd(width, height)
    return next(f for f in range(most, 0, -1) if common % f == 0)


def converted_pixels(image: Image.Image, factor: int) -> int:
    """Pixels of the RGB image ``shrink_to_rgb`` makes anew (0: an RGB image is only reduced)."""
    width, height = image.size
    return 0 if is_plain_rgb(image) else (width // factor) * (height // factor)


def is_plain_rgb(image: Image.Image) -> bool:
    """RGB without a transparency colour: nothing to convert."""
    return image.mode == "RGB" and "transparency" not in image.info


def shrink_to_rgb(image: Image.Image, factor: int = 1) -> Image.Image:
    """``to_rgb`` and a box reduction by ``factor`` (a divisor of both sides), tile by tile.
    Tiles are whole multiples of the factor, so the result is what converting the whole image
    and then reducing it gives."""
    if is_plain_rgb(image):
        return image.reduce(factor) if factor > 1 else image
    width, height = image.size
    if factor == 1 and width * height <= _TILE_PIXELS:
        return to_rgb(image)
    tile_w = max(factor, min(width, _TILE_SIDE) // factor * factor)
    tile_h = max(factor, min(height, _TILE_PIXELS // tile_w) // factor * factor)
    out = Image.new("RGB", (width // factor, height // factor))
    for top in range(0, height, tile_h):
        for left in range(0, width, tile_w):
            tile = image.crop((left, top, min(width, left + tile_w), min(height, top + tile_h)))
            rgb = to_rgb(tile)
            out.paste(rgb.reduce(factor) if factor > 1 else rgb, (left // factor, top // factor))
    return out


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB by the module's rule."""
    if is_plain_rgb(image):
        return image
    if image.mode.startswith("I") or image.mode == "F":
        return _grey_to_rgb(image)
    if image.mode in _ALPHA_MODES and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB")  # opaque: compositing would change nothing, at 4x the cost
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        return _on_white(image.convert("RGBA"))
    return image.convert("RGB")


def _on_white(rgba: Image.Image) -> Image.Image:
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _grey_to_rgb(image: Image.Image) -> Image.Image:
    """Scaled grey levels; a tRNS level (compared at the image's own depth) is transparent."""
    grey = Image.fromarray(_to_8bit(image), "L")
    key = image.info.get("transparency")
    if not isinstance(key, int):
        return grey.convert("RGB")
    opaque = np.asarray(image) != key
    alpha = Image.fromarray(opaque.astype(np.uint8) * np.uint8(255), "L")
    return _on_white(Image.merge("RGBA", (grey, grey, grey, alpha)))


def _to_8bit(image: Image.Image) -> np.ndarray:
    """16-bit (I;16*, I) or float (F) grey levels mapped onto 0..255 by scaling (32-bit math:
    65535 * 255 + 32767 fits in uint32)."""
    values: np.ndarray = np.asarray(image)
    if image.mode == "F":
        grey: np.ndarray = np.clip(values, 0, 255).astype(np.uint8)
        return grey
    levels: np.ndarray = np.clip(values, 0, 65535).astype(np.uint32)
    levels *= 255
    levels += 32767
    levels //= 65535
    result: np.ndarray = levels.astype(np.uint8)
    return result
