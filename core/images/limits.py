"""Limits on decoding hostile images: JPEG structure, CPU time, and a process-wide memory budget.

* ``check_jpeg`` walks a JPEG's marker segments before any decoding: a progressive JPEG costs
  one pass over every coefficient per scan, so a small file with thousands of repeated scans
  holds a CPU for minutes (measured: 27 ms of CPU per scan of a 25 MP image). Scans are limited
  to ``SCAN_MEGAPIXELS / megapixels`` (at most ``MAX_SCANS``; libjpeg writes 10 for a colour
  progressive file, 6 for grey), and marker segments to ``MAX_SEGMENTS``.
* ``CpuClock`` is the stream Pillow reads while decoding: each read checks the decoding
  thread's CPU time, so a decode that runs past its CPU allowance stops at the next block.
* ``decode_cost`` is a decode's estimated peak memory, which it reserves from the process's
  ``core.images.budget.DecodeBudget`` first.
* ``return_freed_memory`` makes glibc serve allocations of 1 MB or more with mmap: freed decode
  buffers go back to the system at once. Without it, glibc raises its mmap threshold after the
  first free (up to 32 MB) and each thread's arena keeps what decodes freed (measured: a batch
  of 5000 x 5000 PNGs left 414 MB resident with a 256 MB budget).
"""

from __future__ import annotations

import ctypes
import io
import re
import struct
import sys
import time
from typing import NamedTuple

from PIL import Image

from core import errors

MAX_SCANS = 100
MIN_SCANS = 16
SCAN_MEGAPIXELS = 500  # scans x megapixels: about 0.55 s of CPU at 25 MP
MAX_SEGMENTS = 1000
WEBP_BYTES_PER_PIXEL = 16  # libwebp's canvas and frame, Pillow's bytes and image (measured)
TILE_BYTES = 16 * 1024 * 1024  # conversion temporaries of one tile, and the reduced output
# One byte of context each (no "\xff+"): linear even over megabytes of 0xFF.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # the next marker after entropy-coded data
_NEXT = re.compile(rb"\xff[^\xff]")  # the next marker, after junk or fill bytes
_STANDALONE = {0x00, 0x01, *range(0xD0, 0xD8)}
_SOF = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}


class JpegShape(NamedTuple):
    """What the marker segments of a JPEG say, read without decoding."""

    width: int
    height: int
    components: int
    scans: int
    segments: int


def jpeg_shape(data: bytes) -> JpegShape:
    """Walk the marker segments of the first image in ``data`` (up to EOI or the end).

    Like libjpeg and Pillow, bytes between segments that are not a marker are skipped (some
    encoders pad); every marker, standalone ones included, counts towards ``MAX_SEGMENTS``.
    """
    width = height = components = scans = segments = 0
    i, end = 2, len(data)
    while i + 1 < end:
        if data[i] != 0xFF or data[i + 1] == 0xFF:  # junk or fill bytes: skip them in C
            found = _NEXT.search(data, i)
            if found is None:
                break
            i = found.start()
        marker = data[i + 1]
        if marker == 0xD9:
            break
        segments += 1
        if segments > MAX_SEGMENTS:
            raise errors.ImageTooComplex(
                f"the JPEG has more than {MAX_SEGMENTS} marker segments")
        if marker in _STANDALONE:
            i += 2
            continue
        if i + 4 > end:
            break
        length = struct.unpack_from(">H", data, i + 2)[0]
        if marker in _SOF and i + 10 <= end:
            height, width = struct.unpack_from(">HH", data, i + 5)
            components = data[i + 9]
        i += 2 + length
        if marker == 0xDA:
            scans += 1
            found = _MARKER.search(data, i)
            i = found.start() if found else end
    return JpegShape(width, height, components, scans, segments)


def max_scans(pixels: int) -> int:
    """How many scans a JPEG of ``pixels`` may have."""
    return max(MIN_SCANS, min(MAX_SCANS, SCAN_MEGAPIXELS * 1_000_000 // max(pixels, 1)))


def check_jpeg(data: bytes) -> JpegShape:
    """Refuse a JPEG whose structure would cost abnormal CPU, before decoding it."""
    shape = jpeg_shape(data)
    allowed = max_scans(shape.width * shape.height)
    if shape.scans > allowed:
        raise errors.ImageTooComplex(
            f"the JPEG has {shape.scans} scans; at most {allowed} are accepted for its size")
    return shape


def bytes_per_pixel(mode: str) -> int:
    """Bytes per pixel of a decoded Pillow image in ``mode`` (RGB is stored in 4)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def decode_cost(image: Image.Image, source_size: tuple[int, int],
                jpeg: JpegShape | None, rgb_pixels: int = 0) -> int:
    """Estimated peak bytes of decoding ``image`` (already drafted) and converting it to RGB;
    ``rgb_pixels``: the converted image's pixels (all of them when it is not reduced, as before
    a nearest or box resize), 4 bytes each."""
    width, height = image.size
    cost = width * height * bytes_per_pixel(image.mode) + TILE_BYTES + rgb_pixels * 4
    if image.format == "WEBP":
        cost = width * height * WEBP_BYTES_PER_PIXEL + TILE_BYTES + rgb_pixels * 4
    if jpeg is not None and jpeg.scans > 1:  # libjpeg keeps every coefficient (2 bytes each)
        cost += source_size[0] * source_size[1] * max(jpeg.components, 1) * 2
    return cost


def return_freed_memory(threshold: int = 1 << 20) -> bool:
    """Fix glibc's mmap threshold (no dynamic raise); False where there is no glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(-3, threshold))  # M_MMAP_THRESHOLD


RETURNS_FREED_MEMORY = return_freed_memory()


class CpuClock(io.BytesIO):
    """Image bytes whose reads fail once the reading thread has used ``seconds`` of CPU."""

    limit: float | None = None

    def start(self, seconds: float | None) -> None:
        """Start counting now (None: no limit)."""
        self.limit = None if seconds is None else time.thread_time() + seconds

    def read(self, size: int | None = -1, /) -> bytes:
        """Read, unless the CPU allowance is spent."""
        if self.limit is not None and time.thread_time() > self.limit:
            raise CpuExceeded
        return super().read(size)


class CpuExceeded(Exception):
    """The decode used up its CPU allowance (raised inside Pillow's read loop)."""
