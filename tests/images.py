"""Images the tests generate: every format and mode the service must read."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def pattern(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """A deterministic RGB test picture: gradients plus a few coloured blocks."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([(x * 255 // max(1, width - 1)), (y * 255 // max(1, height - 1)),
                       ((x + y) * 255 // max(1, width + height - 2))], axis=-1)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width - 10)), int(rng.integers(0, height - 10))
        pixels[y0:y0 + height // 5, x0:x0 + width // 5] = rng.integers(0, 256, 3)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """The image encoded in ``fmt``."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(width: int = 320, height: int = 240, seed: int = 0, quality: int = 90) -> bytes:
    """A baseline RGB JPEG."""
    return encode(pattern(width, height, seed), "JPEG", quality=quality)


def png_rgba(width: int = 200, height: int = 160) -> bytes:
    """A PNG with a transparent left half."""
    image = pattern(width, height).convert("RGBA")
    alpha = Image.new("L", (width, height), 255)
    alpha.paste(0, (0, 0, width // 2, height))
    image.putalpha(alpha)
    return encode(image, "PNG")


def cmyk_jpeg(width: int = 200, height: int = 160) -> bytes:
    """A CMYK JPEG (as print workflows and some phones produce)."""
    return encode(pattern(width, height).convert("CMYK"), "JPEG", quality=90)


def exif_rotated_jpeg(orientation: int = 6, width: int = 300, height: int = 200) -> bytes:
    """A JPEG whose pixels are stored rotated, with the EXIF orientation that undoes it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(pattern(width, height), "JPEG", quality=95, exif=exif.tobytes())


def palette_gif(frames: int = 2, width: int = 120, height: int = 90) -> bytes:
    """An animated palette GIF; frame 0 differs from the others."""
    images = [pattern(width, height, seed=i).convert("P", palette=Image.Palette.ADAPTIVE)
              for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100)


def png16(width: int = 64, height: int = 48) -> bytes:
    """A 16-bit greyscale PNG using the full 0..65535 range."""
    ramp = np.linspace(0, 65535, width * height, dtype=np.uint32).reshape(height, width)
    image = Image.fromarray(ramp.astype("<u2"))
    assert image.mode.startswith("I;16")
    return encode(image, "PNG")


def webp(width: int = 160, height: int = 120) -> bytes:
    """A lossless WebP."""
    return encode(pattern(width, height), "WEBP", lossless=True)


def bmp(width: int = 96, height: int = 64) -> bytes:
    """A BMP."""
    return encode(pattern(width, height), "BMP")
