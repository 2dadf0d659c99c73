"""Train images decoded once by the served pipeline and kept as uint8 arrays (cached on disk)."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.build import CACHE_DIR
from models.build.features import RESAMPLE, image_loader

U8 = NDArray[np.uint8]


def _key(paths: Sequence[Path], size: int) -> str:
    digest = hashlib.sha256(f"{size}|{RESAMPLE}".encode())
    from core.images import resize  # the served decode and resize: its source keys the cache

    digest.update(inspect.getsource(resize).encode())
    for path in paths:
        digest.update(f"{path}|{path.stat().st_size}|{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def decoded(paths: Sequence[Path], size: int) -> U8:
    """``[len(paths), size, size, 3]`` pixels as ``core.images.decode.load_rgb`` serves them."""
    path = CACHE_DIR / f"pixels-{size}-{_key(paths, size)}.npy"
    if path.exists():
        cached: U8 = np.load(path)
        return cached
    load = image_loader()
    pixels = np.stack([load(p.read_bytes(), (size, size), RESAMPLE) for p in paths])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, pixels)
    return pixels
