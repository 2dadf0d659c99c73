"""The settings' defaults that are computed: where the checkout is, which model it serves,
how many CPUs the process may use, and the units the ranges are written in."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout, or the bundle's root
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
_BUNDLED = ROOT / "models" / "default.txt"  # a bundle built with MODEL=... names its model here
if _BUNDLED.is_file():
    DEFAULT_MODEL = ROOT / _BUNDLED.read_text(encoding="utf-8").strip()
DEFAULT_MAX_PIXELS = 25_000_000  # a 24 MP camera photo fits; ~100 MB as RGBA at most

HOUR = 3600.0
GIB = 1 << 30


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
