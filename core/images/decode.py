"""Image decoding: caller bytes -> an RGB Pillow image no larger than the model needs.

``open_image`` checks the format against the allowlist, the pixel count and (for JPEG) the
structure, then decodes (JPEG draft decoding at reduced scale) under the process's decode memory
budget and a CPU allowance (``core.images.limits``), and converts to RGB tile by tile with box
reduction before smooth filters (``core.images.rgb``). Resizing to the input size is the next
step (``core.images.resize``), timed separately; ``Decoded.box`` tells it which part of the
smaller image stands for the whole picture, so neither shortcut moves the geometry.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from PIL import Image, ImageFile

from core import errors
from core.images.budget import DecodeBudget
from core.images.decoders import format_of, open_as
from core.images.limits import (
    CpuClock,
    CpuExceeded,
    JpegShape,
    check_jpeg,
    decode_cost,
)
from core.images.rgb import SMOOTH, Box, converted_pixels, reduction, shrink_to_rgb

# Only the decoders of core.images.decoders.ALLOWED_FORMATS are ever run on caller bytes, each
# imported by the first picture of its format (the JPEG one also opens phones' MPO files).

# Signatures of image formats we recognise but refuse (415, not 422).
_REFUSED_SIGNATURES = (
    (b"%PDF", "PDF"), (b"%!PS", "PostScript/EPS"), (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"8BPS", "PSD"), (b"SIMPLE  =", "FITS"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"), (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"), (b"DDS ", "DDS"), (b"icns", "ICNS"),
    (b"qoif", "QOI"), (b"\x76\x2f\x31\x01", "OpenEXR"),
)
# EXIF orientation -> the transpose that undoes it.
ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}
ImageFile.LOAD_TRUNCATED_IMAGES = False
warnings.simplefilter("error", Image.DecompressionBombWarning)
# What a hostile file can make a decoder raise; all of them mean "cannot decode" (422).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, TypeError, KeyError,
    ZeroDivisionError, NotImplementedError, RuntimeError, AttributeError, LookupError)
_BOMBS = (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError)


class Decoded(NamedTuple):
    """An opened image in RGB with what resizing still needs to know: ``box`` is the region of
    ``image`` that covers the whole source picture (``source_size`` pixels), fractional after
    draft decoding or a box reduction."""

    image: Image.Image
    orientation: int
    format: str
    source_size: tuple[int, int]
    box: Box


def sniff_refused(data: bytes) -> str | None:
    """The name of a recognised but unsupported format, or None."""
    head = data[:64]
    for signature, name in _REFUSED_SIGNATURES:
        if head.startswith(signature):
            return name
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml", b"<!doctype svg")):
        return "SVG"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif", b"ftypavis"):
        return "HEIF/AVIF"
    return None


@contextmanager
def decoder_errors(cpu_seconds: float | None, corrupt: str) -> Iterator[None]:
    """Pillow's and the decode limits' exceptions as the service's errors (422 or 413)."""
    try:
        yield
    except CpuExceeded as exc:
        raise errors.ImageTooComplex(
            f"the image took more than {cpu_seconds} s of CPU to decode") from exc
    except _BOMBS as exc:
        raise errors.ImageTooLarge("the image has too many pixels") from exc
    except _DECODE_ERRORS as exc:
        raise errors.InvalidImage(corrupt) from exc


def _open(data: bytes, max_pixels: int, cpu_seconds: float | None
          ) -> tuple[Image.Image, JpegShape | None]:
    if not data:
        raise errors.InvalidImage("the image is empty")
    refused = sniff_refused(data)
    if refused:
        raise errors.UnsupportedImageFormat(
            f"{refused} images are not supported; send JPEG, PNG, WebP, GIF or BMP")
    jpeg = None
    if data.startswith(b"\xff\xd8"):
        jpeg = check_jpeg(data)  # scan floods are refused before Pillow parses anything
    corrupt = "the data is not a decodable JPEG, PNG, WebP, GIF or BMP image"
    name = format_of(data)
    if name is None:
        raise errors.InvalidImage(corrupt)
    stream = CpuClock(data)
    stream.start(cpu_seconds)  # from here: Pillow parses a PNG's chunks in Python while opening
    with decoder_errors(cpu_seconds, corrupt):
        image = open_as(name, stream)
        width, height = image.size
    if width <= 0 or height <= 0:
        raise errors.InvalidImage("the image has no pixels")
    if width * height > max_pixels:
        raise errors.ImageTooLarge(
            f"the image is {width}x{height} pixels; the limit is {max_pixels} pixels")
    return image, jpeg


def open_image(data: bytes, *, target: tuple[int, int], max_pixels: int, draft: bool = True,
               budget: DecodeBudget | None = None, cpu_seconds: float | None = None,
               deadline: float | None = None, resample: str = "bilinear",
               admit: Callable[[int], None] | None = None) -> Decoded:
    """Decode ``data`` into an RGB image no larger than needed for ``target``.

    JPEG draft mode decodes at a reduced scale; any image is converted to RGB tile by tile and,
    before a smooth ``resample`` filter, box-reduced on the way (``shrink_to_rgb``), so no
    64-bit temporary is ever made. ``budget`` holds the decode's estimated peak memory while it
    runs (waiting until ``deadline`` for it); ``cpu_seconds`` bounds the decoder's CPU time;
    ``admit`` is told the pixels the decode will produce (after draft reduction) before it
    starts, and may refuse them by raising.
    """
    image, jpeg = _open(data, max_pixels, cpu_seconds)
    source_size = image.size
    fmt = image.format or "?"
    box: Box = (0.0, 0.0, float(source_size[0]), float(source_size[1]))
    with decoder_errors(cpu_seconds, "the image is truncated or corrupt"):
        if draft and fmt in ("JPEG", "MPO"):  # every JPEG mode alike: L, RGB and CMYK
            side = max(target)
            drafted = image.draft(image.mode, (side, side))
            box = drafted[1] if drafted else box
        if admit is not None:
            admit(image.size[0] * image.size[1])
        factor = reduction(image.size, target) if resample in SMOOTH else 1
        cost = decode_cost(image, source_size, jpeg, converted_pixels(image, factor))
        with budget.reserve(cost, deadline) if budget else nullcontext():
            image.load()  # the CPU clock runs on (waiting for the budget costs no CPU)
            orientation = _orientation(image)  # after load: PNG's getexif() would load it
            rgb = shrink_to_rgb(image, factor)
            if rgb is not image:
                image.close()  # the full-size decode is freed before the budget is
    box = (box[0] / factor, box[1] / factor, box[2] / factor, box[3] / factor)
    return Decoded(rgb, orientation if orientation in ORIENTATION else 1, fmt, source_size, box)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:
        return 1
