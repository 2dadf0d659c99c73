"""Sample images for calibration and parity, prepared exactly as the serving core prepares them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from convert.errors import ConversionError
from core.errors import ServiceError
from core.images.resize import load_rgb
from core.inference.normalization import normalize


def image_files(folder: Path) -> list[Path]:
    """Every regular file under ``folder``, sorted (unreadable ones are skipped when loading)."""
    if not folder.is_dir():
        raise ConversionError(f"calibration folder {folder} does not exist or is not a folder")
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def spread(files: list[Path], count: int) -> list[Path]:
    """``files`` reordered so the first ``count`` are evenly spaced over the sorted list.

    A folder of per-class subfolders is then sampled across every class, not just the first.
    """
    if len(files) <= count:
        return files
    picked = sorted({int(i) for i in np.linspace(0, len(files) - 1, count)})
    chosen = set(picked)
    return [files[i] for i in picked] + [f for i, f in enumerate(files) if i not in chosen]


def load_folder(folder: Path, size: tuple[int, int], resample: str, limit: int) -> np.ndarray:
    """Up to ``limit`` readable images of ``folder`` as uint8 (N, H, W, 3) at ``size`` (w, h)."""
    files = spread(image_files(folder), limit)
    images: list[np.ndarray] = []
    bar = tqdm(files, desc="loading images", unit="img", disable=None, leave=False)
    for path in bar:
        if len(images) >= limit:
            break
        try:
            images.append(load_rgb(path.read_bytes(), size=size, resample=resample))
        except (ServiceError, OSError):
            continue
    bar.close()
    if not images:
        raise ConversionError(f"calibration folder {folder} has no readable images "
                              "(JPEG, PNG, WebP, GIF or BMP)")
    return np.stack(images)


def synthetic_images(count: int, size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """``count`` smooth random colour images, uint8 (N, H, W, 3): blobs, not white noise."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        coarse = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
        smooth = np.asarray(Image.fromarray(coarse, "RGB").resize(size, Image.Resampling.BICUBIC))
        noise = rng.normal(0, 12, size=smooth.shape)
        images.append(np.clip(smooth + noise, 0, 255).astype(np.uint8))
    return np.stack(images)


def representative_dataset(pixels: np.ndarray, family: str) -> Iterator[list[np.ndarray]]:
    """The converter's calibration feed: one normalised image per step, with a progress bar."""
    for image in tqdm(pixels, desc="calibrating", unit="img", disable=None, leave=False):
        yield [normalize(image[None], family)]
