"""The settings' defaults that are computed: where the checkout is, which model it serves,
how many CPUs the process may use, and the units the ranges are written in."""

from __future__ import annotations

import os

from core.paths import join, parent

# Paths are text (core.paths): pathlib stays off the cold path.
ROOT = parent(parent(parent(os.path.realpath(__file__))))  # the checkout, or the bundle's root
DEFAULT_MODEL = join(ROOT, "models", "clothing", "model.tflite")
_BUNDLED = join(ROOT, "models", "default.txt")  # a bundle built with MODEL=... names its model here
if os.path.isfile(_BUNDLED):
    with open(_BUNDLED, encoding="utf-8") as _pointer:
        DEFAULT_MODEL = join(ROOT, _pointer.read().strip())
DEFAULT_MAX_PIXELS = 25_000_000  # a 24 MP camera photo fits; ~100 MB as RGBA at most
# Pillow's own decompression-bomb limit (PIL.Image.MAX_IMAGE_PIXELS, 1 GiB / 4 / 3): every
# decode refuses more whatever MAX_IMAGE_PIXELS says, so the setting may not exceed it.
# Written out because the settings load before Pillow; a test holds it to Pillow's value.
PILLOW_MAX_PIXELS = 89_478_485

HOUR = 3600.0
GIB = 1 << 30


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
