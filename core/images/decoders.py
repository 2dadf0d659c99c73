"""The Pillow decoders run on caller bytes: which one a picture's first bytes call for, and
opening it with that one alone.

Pillow's ``Image.open`` imports five format plugins before it looks at any data (BMP, GIF,
JPEG, PPM, PNG: about 5 ms of a cold start, four of them unused by a JPEG photo). Here each
allowed format is recognised by the signature its own plugin accepts, and its plugin is
imported by the first picture of that format; JPEG's with this module, as most photos are JPEG.
Only a plugin named here ever parses caller bytes, whatever else the process has imported.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import IO, Any

from PIL import Image, JpegImagePlugin, UnidentifiedImageError  # noqa: F401 - JPEG's decoder

PNG_TEXT_MEMORY = 8 * 1024 * 1024  # a PNG's text chunks (zTXt/iTXt bombs) per image

# Format -> the Pillow plugin that decodes it, and the test of a picture's first bytes (each the
# same test as that plugin's own, which tests/core/test_decoders.py checks).
_DECODERS: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    "JPEG": ("JpegImagePlugin", lambda head: head.startswith(b"\xff\xd8\xff")),
    "PNG": ("PngImagePlugin", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "WEBP": ("WebPImagePlugin", lambda head: head.startswith(b"RIFF") and head[8:12] == b"WEBP"),
    "GIF": ("GifImagePlugin", lambda head: head.startswith((b"GIF87a", b"GIF89a"))),
    "BMP": ("BmpImagePlugin", lambda head: head.startswith(b"BM")),
}
ALLOWED_FORMATS = tuple(_DECODERS)


def format_of(data: bytes) -> str | None:
    """The allowed format whose signature ``data`` starts with, or None."""
    head = data[:16]
    for name, (_, accepts) in _DECODERS.items():
        if accepts(head):
            return name
    return None


@functools.cache
def _registered(name: str) -> tuple[Callable[..., Any], Any]:
    """The format's (factory, accept) pair, its plugin imported (and limited) on first use."""
    importlib.import_module(f"PIL.{_DECODERS[name][0]}")
    if name == "PNG":
        from PIL import PngImagePlugin

        PngImagePlugin.MAX_TEXT_MEMORY = PNG_TEXT_MEMORY
    factory, accept = Image.OPEN[name]
    return factory, accept


def open_as(name: str, stream: IO[bytes]) -> Image.Image:
    """``stream`` opened (header parsed, pixels not decoded) by format ``name``'s plugin, as
    ``Image.open(stream, formats=[name])`` opens it but without importing any other plugin.

    Pillow's bomb check follows, as in ``Image.open`` (the caller's own pixel limit after it).
    Raises ``PIL.UnidentifiedImageError`` when the plugin does not accept the data (RIFF/WEBP
    without a VP8 chunk, or WebP without libwebp), and whatever it raises on a bad header."""
    factory, accept = _registered(name)
    stream.seek(0)
    if accept is not None and accept(stream.read(16)) is not True:
        raise UnidentifiedImageError(f"the {name} decoder does not accept this data")
    stream.seek(0)
    image: Image.Image = factory(stream, "")
    Image._decompression_bomb_check(image.size)  # as Image.open checks, against MAX_IMAGE_PIXELS
    return image
