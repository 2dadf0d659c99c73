"""Resizing a decoded image to the model's input size: uint8 (H, W, 3) pixels.

``fit_image`` is the service's resize step: a plain resize to the input size with the
manifest's filter, then the EXIF orientation undone on the small image (``resize_image``), or,
when the manifest's ``preprocessing.resize_shorter`` (``MODEL_RESIZE_SHORTER``) is set,
torchvision's eval transform ``Resize(S)`` + ``CenterCrop(size)`` (``resize_shorter_crop``).
``load_rgb`` is both steps for callers outside the service (convert, the model build, tests).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.config import DEFAULT_MAX_PIXELS
from core.images.decode import ORIENTATION, Decoded, open_image

RESAMPLE = {
    "nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING,
}


def resize_shorter_crop(decoded: Decoded, size: tuple[int, int], resample: str,
                        shorter: int) -> np.ndarray:
    """torchvision's eval transform: ``Resize(shorter)`` then ``CenterCrop(size)``, uint8.

    The EXIF orientation is undone first (the crop is taken from the upright photo). The
    longer side becomes ``int(shorter * long / short)`` and the crop's corner is rounded as
    torchvision rounds it, so ``Resize(256) + CenterCrop(224)`` on a PIL image gives the same
    pixels with the same (antialiased Pillow) filter. A photo longer than 4:1 is first cut to
    4:1 around its centre, so a 1x25M-pixel strip cannot grow into gigabytes.
    """
    image = decoded.image
    transpose = ORIENTATION.get(decoded.orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    image = _at_most_4_to_1(image)
    width, height = image.size
    if width <= height:
        target = (shorter, int(shorter * height / width))
    else:
        target = (int(shorter * width / height), shorter)
    if image.size != target:
        image = image.resize(target, RESAMPLE[resample])
    crop_w, crop_h = size
    left = round((target[0] - crop_w) / 2.0)
    top = round((target[1] - crop_h) / 2.0)
    pixels: np.ndarray = np.asarray(image.crop((left, top, left + crop_w, top + crop_h)),
                                    dtype=np.uint8)
    return pixels


def _at_most_4_to_1(image: Image.Image) -> Image.Image:
    width, height = image.size
    if width > 4 * height:
        left = (width - 4 * height) // 2
        return image.crop((left, 0, left + 4 * height, height))
    if height > 4 * width:
        top = (height - 4 * width) // 2
        return image.crop((0, top, width, top + 4 * width))
    return image


def fit_image(decoded: Decoded, size: tuple[int, int], resample: str,
              shorter: int = 0) -> np.ndarray:
    """The model's input pixels: a plain resize, or resize-shorter-then-crop when ``shorter``."""
    if shorter:
        return resize_shorter_crop(decoded, size, resample, shorter)
    return resize_image(decoded, size, resample)


def decode_target(size: tuple[int, int], shorter: int = 0) -> tuple[int, int]:
    """The size JPEG draft decoding must not go below (the shorter side when cropping)."""
    return (max(shorter, *size),) * 2 if shorter else size


def resize_image(decoded: Decoded, size: tuple[int, int], resample: str) -> np.ndarray:
    """Resize to ``size`` (width, height) and undo the EXIF orientation: uint8 (H, W, 3)."""
    width, height = size
    transpose = ORIENTATION.get(decoded.orientation)
    swapped = decoded.orientation in (5, 6, 7, 8)
    target = (height, width) if swapped else (width, height)
    image = decoded.image
    if image.size != target:
        image = image.resize(target, RESAMPLE[resample])
    if transpose is not None:
        image = image.transpose(transpose)
    pixels: np.ndarray = np.asarray(image, dtype=np.uint8)
    return pixels


def load_rgb(data: bytes, size: tuple[int, int], resample: str = "bilinear",
             draft: bool = True, max_pixels: int = DEFAULT_MAX_PIXELS,
             shorter: int = 0) -> np.ndarray:
    """Bytes to uint8 (H, W, 3) pixels exactly as the service prepares them."""
    decoded = open_image(data, target=decode_target(size, shorter), max_pixels=max_pixels,
                         draft=draft)
    return fit_image(decoded, size, resample, shorter)
