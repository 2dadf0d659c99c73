"""Decoding hazards, each generated here: bombs, refused formats, corrupt files, odd modes."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import core.pipeline.predict
from core import errors
from core.api.service import Service
from core.images.decode import open_image
from tests import images
from tests.hostile.conftest import MakeService, call, error_of


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_declaring(width: int, height: int, rows: int = 0) -> bytes:
    """A greyscale PNG whose header declares width x height, with ``rows`` rows of zeros."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * ((width + 1) * rows) or b"\0" * 64, 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF whose logical screen and one frame declare width x height."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\0" * 6
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x4c\x01\x00"
    return screen + frame + b"\x3b"


def raw(service: Service, data: bytes, kind: str = "application/octet-stream") -> tuple[int, str]:
    response = call(service, data, kind)
    return error_of(response) if response.status != 200 else (200, "")


@pytest.mark.parametrize("data", [
    png_declaring(100_000, 100_000), png_declaring(65_535, 65_535), png_declaring(6000, 5000),
    png_declaring(2**31 - 1, 2**31 - 1), gif_declaring(65_535, 65_535), gif_declaring(6000, 5000),
])
def test_bombs_are_413_from_the_header(strict: Service, data: bytes) -> None:
    assert raw(strict, data) == (413, "image_too_large")
    assert len(data) < 100_000


def test_a_real_bomb_over_the_limit_is_refused_before_decoding(strict: Service) -> None:
    data = png_declaring(5001, 5000, rows=5000)  # 25 MB of zeros in about 25 KB
    assert len(data) < 100_000
    assert raw(strict, data) == (413, "image_too_large")


def test_a_twelve_megapixel_photo_is_classified(strict: Service) -> None:
    assert raw(strict, images.jpeg(4000, 3000, quality=80), "image/jpeg") == (200, "")


def test_sixteen_bit_levels_are_rescaled_not_clipped(strict: Service) -> None:
    levels = np.array([[0, 16384, 32768, 65535]], dtype="<u2").repeat(4, axis=0)
    data = images.encode(Image.fromarray(levels), "PNG")
    decoded = open_image(data, target=(4, 4), max_pixels=100, draft=False)
    assert np.asarray(decoded.image)[0, :, 0].tolist() == [0, 64, 128, 255]
    assert raw(strict, data) == (200, "")


def _tiff() -> bytes:
    return images.encode(images.pattern(32, 32), "TIFF")


def _eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
    b'<?xml version="1.0"?>\n<!DOCTYPE svg><svg/>', b"  \n<SVG></SVG>", _eps(),
    b"\xc5\xd0\xd3\xc6" + b"\0" * 40, b"SIMPLE  =                    T" + b" " * 50,
    b"8BPS\x00\x01" + b"\0" * 40, _tiff(), b"MM\x00*" + b"\0" * 40,
    images.encode(images.pattern(16, 16), "ICO"), b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\0" * 9,
])
def test_refused_formats_are_415(strict: Service, data: bytes) -> None:
    assert raw(strict, data) == (415, "unsupported_image_format")


@pytest.mark.parametrize("data", [
    images.jpeg()[: len(images.jpeg()) // 2], images.png_rgba()[:200],
    images.png_rgba()[: len(images.png_rgba()) // 2],
    images.palette_gif()[:100], images.webp()[:60], images.bmp()[:100],
    images.jpeg()[:2] + b"\0" * 500, b"\x89PNG\r\n\x1a\n" + b"\xff" * 64,
    png_declaring(10, 10, rows=3)[:40], b"GIF89a" + b"\xff" * 20, b"BM" + b"\xff" * 60,
    b"hello, this is text", bytes(range(256)) * 4,
])
def test_truncated_and_corrupt_files_are_422(strict: Service, data: bytes) -> None:
    assert raw(strict, data) == (422, "invalid_image")


def test_animated_images_use_the_first_frame() -> None:
    red, blue = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    for fmt in ("GIF", "PNG", "WEBP"):
        data = images.encode(red, fmt, save_all=True, append_images=[blue], duration=50)
        pixel = np.asarray(open_image(data, target=(8, 8), max_pixels=10_000).image)[10, 10]
        assert pixel[0] > 200 and pixel[2] < 60, (fmt, pixel)


def test_oversized_bodies_are_413_before_any_decoding(make_service: MakeService,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded an oversized body")
    monkeypatch.setattr(core.pipeline.predict, "open_image", never)
    service = make_service(max_body_bytes=100_000)
    big = images.jpeg(1600, 1200, quality=100)
    assert len(big) > 100_000
    assert raw(service, big, "image/jpeg") == (413, "payload_too_large")
    body = {"image": base64.b64encode(big).decode()}
    assert error_of(call(service, body)) == (413, "payload_too_large")


def test_no_memory_error_escapes_decoding() -> None:
    for data in (png_declaring(2**31 - 1, 1), gif_declaring(65_535, 65_535)):
        with pytest.raises(errors.ImageTooLarge):
            open_image(data, target=(8, 8), max_pixels=2**62)


def test_exif_and_text_chunk_floods_are_bounded(strict: Service) -> None:
    image = images.pattern(32, 32)
    buffer = io.BytesIO()
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    for i in range(20):
        info.add_text(f"k{i}", "x" * 1_000_000, zip=True)
    image.save(buffer, "PNG", pnginfo=info)
    status = raw(strict, buffer.getvalue())[0]
    assert status in (200, 413, 422)
