"""Calibration and parity images are prepared by the serving pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.images import load_folder, synthetic_images
from core.images.resize import load_rgb


def test_folder_images_match_serving(calibration_dir: Path) -> None:
    pixels = load_folder(calibration_dir, (32, 24), "bilinear", limit=100)
    assert pixels.shape == (16, 24, 32, 3) and pixels.dtype == np.uint8  # junk files skipped
    first = load_rgb((calibration_dir / "00.png").read_bytes(), size=(32, 24))
    assert np.array_equal(pixels[0], first)
    assert len(load_folder(calibration_dir, (8, 8), "nearest", limit=5)) == 5


def test_synthetic_images_are_smooth_and_seeded() -> None:
    a, b = synthetic_images(3, (40, 30), seed=4), synthetic_images(3, (40, 30), seed=4)
    assert a.shape == (3, 30, 40, 3) and np.array_equal(a, b)
    assert a.std() > 20
