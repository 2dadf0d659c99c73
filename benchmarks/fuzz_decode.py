"""Fuzz image decoding for a bounded time: only ServiceError subclasses may escape.

    python -m benchmarks.fuzz_decode --seconds 60

Hypothesis mutates generated JPEG, PNG, GIF, WebP and BMP bytes (byte flips, splices, truncation,
header dimension rewrites) and runs them through ``open_image`` + ``resize_image`` exactly as the
service does. Batches of examples run until the time is up; a failure prints the shrunk input.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import time
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core import errors
from core.images.decode import open_image
from core.images.resize import resize_image


def _encode(fmt: str, mode: str, **params: object) -> bytes:
    image = Image.new("RGB", (37, 23), (200, 30, 90)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


SEEDS = [
    _encode("JPEG", "RGB", quality=80), _encode("JPEG", "L"), _encode("JPEG", "CMYK"),
    _encode("JPEG", "RGB", progressive=True), _encode("PNG", "RGBA"), _encode("PNG", "P"),
    _encode("PNG", "I;16"), _encode("PNG", "1"), _encode("GIF", "P"), _encode("BMP", "RGB"),
    _encode("WEBP", "RGB", lossless=True), _encode("WEBP", "RGBA", quality=50),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed image with a few mutations applied."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "splice", "cut", "dims", "dup"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "splice":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "dims":  # a 32-bit or 16-bit big number where a size may live
            value = draw(st.integers(0, 2**32 - 1))
            data[at:at + 4] = struct.pack(">I", value)[: len(data[at:at + 4])]
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
    return bytes(data)


def decode_once(data: bytes) -> None:
    """The property: decoding ``data`` returns or raises a ServiceError, nothing else."""
    try:
        decoded = open_image(data, target=(64, 64), max_pixels=4_000_000)
        pixels = resize_image(decoded, (64, 64), "bilinear")
        assert pixels.shape == (64, 64, 3)
    except errors.ServiceError:
        pass


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=mutated())
def fuzz_batch(data: bytes) -> None:
    """One batch of examples."""
    decode_once(data)


def run_for(seconds: float, batch: Callable[[], None]) -> int:
    """Run ``batch`` until ``seconds`` have passed; the number of batches run."""
    ends = time.monotonic() + seconds
    batches = 0
    while time.monotonic() < ends:
        batch()
        batches += 1
    return batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    batches = run_for(args.seconds, fuzz_batch)
    print(f"fuzz_decode: {batches} batches x 300 examples, no unexpected exception")
    return 0


if __name__ == "__main__":
    sys.exit(main())
