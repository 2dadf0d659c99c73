"""Choosing a picture's decoder by its first bytes: the same choice as Pillow's own plugins, and
only that plugin imported.

The reference is each Pillow plugin's own signature test (``Image.OPEN[format]``), run on real
files of every format Pillow writes, on every prefix and one-byte mutation of each signature,
and on random bytes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from core import errors
from core.images.decode import open_image
from core.images.decoders import ALLOWED_FORMATS, PNG_TEXT_MEMORY, format_of, open_as
from tests import images

ROOT = Path(__file__).resolve().parents[2]
# Formats Pillow writes that we refuse or never look for, beside the allowed ones.
OTHER_FORMATS = ("TIFF", "PPM", "ICO", "PCX", "TGA", "SGI", "DDS", "QOI", "JPEG2000")


def pillow_accepts(data: bytes) -> set[str]:
    """The allowed formats whose Pillow plugin accepts ``data``'s first 16 bytes."""
    Image.init()
    head = data[:16]
    found = set()
    for name in ALLOWED_FORMATS:
        accept = Image.OPEN[name][1]
        if accept is None or accept(head) is True:
            found.add(name)
    return found


def samples() -> list[bytes]:
    """Real files of every format Pillow writes here, each signature's prefixes and one-byte
    mutations, and random bytes."""
    picture = images.pattern(24, 16)
    files = [images.encode(picture, fmt) for fmt in ALLOWED_FORMATS]
    for fmt in OTHER_FORMATS:
        try:
            files.append(images.encode(picture, fmt))
        except (KeyError, OSError):  # a writer this Pillow lacks: nothing to compare
            continue
    found = list(files)
    for data in files[:len(ALLOWED_FORMATS)]:
        found += [data[:size] for size in range(17)]
        for at in range(16):
            found.append(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
    rng = np.random.default_rng(0)
    found += [rng.integers(0, 256, int(rng.integers(0, 40)), dtype=np.uint8).tobytes()
              for _ in range(500)]
    return found


def test_every_allowed_format_is_written_and_recognised() -> None:
    picture = images.pattern(24, 16)
    assert [format_of(images.encode(picture, fmt)) for fmt in ALLOWED_FORMATS] == \
        list(ALLOWED_FORMATS)


def test_the_choice_is_pillow_s_own() -> None:
    """On every sample, Pillow's plugins accept the data as the chosen format, or (a RIFF/WEBP
    header without a VP8 chunk after it) as none at all: either way Pillow would open it as we
    do; data we find no format for, no plugin accepts."""
    found = samples()
    wrong = [(data[:16].hex(), format_of(data), sorted(pillow_accepts(data))) for data in found
             if pillow_accepts(data) not in ({format_of(data)}, set())]
    assert not wrong
    assert len(found) > 600 and {format_of(data) for data in found} >= {*ALLOWED_FORMATS, None}


def test_a_header_the_plugin_refuses_is_an_invalid_image() -> None:
    """RIFF....WEBP with no VP8 chunk: chosen by signature, refused by the WebP plugin, 422."""
    data = b"RIFF\x10\x00\x00\x00WEBPXXXX" + bytes(8)
    assert format_of(data) == "WEBP" and not pillow_accepts(data)
    with pytest.raises(UnidentifiedImageError):
        open_as("WEBP", io.BytesIO(data))
    with pytest.raises(errors.InvalidImage):
        open_image(data, target=(8, 8), max_pixels=10_000)


def test_pngs_text_chunks_are_limited_once_its_decoder_is_loaded() -> None:
    open_image(images.encode(images.pattern(16, 16), "PNG"), target=(8, 8), max_pixels=10_000)
    assert PngImagePlugin.MAX_TEXT_MEMORY == PNG_TEXT_MEMORY


_PROBE = """
import json, sys
from core.images.decode import open_image
before = {name for name in sys.modules if name.endswith("ImagePlugin")}
seen = {}
for fmt, path in PATHS:
    open_image(open(path, "rb").read(), target=(8, 8), max_pixels=10_000)
    seen[fmt] = sorted(n for n in sys.modules if n.endswith("ImagePlugin") and n not in before)
print(json.dumps({"before": sorted(before), "seen": seen}))
"""


def test_each_decoder_is_imported_by_the_first_picture_of_its_format(tmp_path: Path) -> None:
    """In a fresh interpreter: JPEG's decoder with the module, then PNG's with the first PNG
    and GIF's with the first GIF, and no other (Pillow's own Image.open would import five)."""
    paths = []
    for fmt in ("JPEG", "PNG", "GIF"):
        path = tmp_path / f"picture.{fmt.lower()}"
        path.write_bytes(images.encode(images.pattern(16, 16), fmt))
        paths.append((fmt, str(path)))
    done = subprocess.run([sys.executable, "-c", _PROBE.replace("PATHS", repr(paths))],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == ["PIL.JpegImagePlugin"]
    assert found["seen"] == {"JPEG": [], "PNG": ["PIL.PngImagePlugin"],
                             "GIF": ["PIL.GifImagePlugin", "PIL.PngImagePlugin"]}
