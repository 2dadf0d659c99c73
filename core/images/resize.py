"""Resizing a decoded image to the model's input size: uint8 (H, W, 3) pixels.

``fit_image`` is the service's resize step: the EXIF orientation undone, then a plain resize to
the input size with the manifest's filter (``resize_image``), or,
when the manifest's ``preprocessing.resize_shorter`` (``MODEL_RESIZE_SHORTER``) is set,
torchvision's eval transform ``Resize(S)`` + ``CenterCrop(size)`` (``resize_shorter_crop``).
Both resize from ``Decoded.box``, the part of the (drafted or reduced) image that stands for the
whole picture, so the geometry is the full-size picture's. ``load_rgb`` is both steps for
callers outside the service (convert, the model build, tests).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.config import DEFAULT_MAX_PIXELS
from core.images.decode import ORIENTATION, Decoded, open_image
from core.images.rgb import Box

RESAMPLE = {
    "nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING,
}
_T = Image.Transpose


def resize_shorter_crop(decoded: Decoded, size: tuple[int, int], resample: str,
                        shorter: int) -> np.ndarray:
    """torchvision's eval transform: ``Resize(shorter)`` then ``CenterCrop(size)``, uint8.

    The EXIF orientation is undone first (the crop is taken from the upright photo). The
    longer side becomes ``int(shorter * long / short)`` and the crop's corner is rounded as
    torchvision rounds it, so ``Resize(256) + CenterCrop(224)`` on a PIL image gives the same
    pixels with the same (antialiased Pillow) filter. A photo longer than 4:1 is first cut to
    4:1 around its centre, so a 1x25M-pixel strip cannot grow into gigabytes.
    """
    image, box, (width, height) = upright(decoded)
    cut = _at_most_4_to_1(width, height)
    box = _sub_box(box, (width, height), cut)
    width, height = cut[2] - cut[0], cut[3] - cut[1]
    if width <= height:
        target = (shorter, int(shorter * height / width))
    else:
        target = (int(shorter * width / height), shorter)
    if image.size != target or box != (0, 0, *target):
        image = image.resize(target, RESAMPLE[resample], box=box)
    crop_w, crop_h = size
    left = round((target[0] - crop_w) / 2.0)
    top = round((target[1] - crop_h) / 2.0)
    pixels: np.ndarray = np.asarray(image.crop((left, top, left + crop_w, top + crop_h)),
                                    dtype=np.uint8)
    return pixels


def upright(decoded: Decoded) -> tuple[Image.Image, Box, tuple[int, int]]:
    """The decoded image with its EXIF orientation undone, its box, and the upright source
    size. Undoing it before the resize gives exactly what resizing the upright photo gives
    (after it, nearest would pick other pixels and the filters' passes would swap); the image
    is already drafted or reduced, so this costs 0.1-0.4 ms (500x375 to 1000x750)."""
    image, box, (width, height) = decoded.image, decoded.box, decoded.source_size
    transpose = ORIENTATION.get(decoded.orientation)
    if transpose is None:
        return image, box, (width, height)
    box = transposed_box(box, image.size, transpose)
    if transpose in (_T.ROTATE_90, _T.ROTATE_270, _T.TRANSPOSE, _T.TRANSVERSE):
        width, height = height, width
    return image.transpose(transpose), box, (width, height)


def _at_most_4_to_1(width: int, height: int) -> tuple[int, int, int, int]:
    """The picture's region (in source pixels) cut to 4:1 around its centre."""
    if width > 4 * height:
        left = (width - 4 * height) // 2
        return left, 0, left + 4 * height, height
    if height > 4 * width:
        top = (height - 4 * width) // 2
        return 0, top, width, top + 4 * width
    return 0, 0, width, height


def _sub_box(box: Box, size: tuple[int, int], region: tuple[int, int, int, int]) -> Box:
    """Where ``region`` of a ``size`` picture lies in an image whose ``box`` covers it all."""
    scale_x, scale_y = (box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1]
    return (box[0] + region[0] * scale_x, box[1] + region[1] * scale_y,
            box[0] + region[2] * scale_x, box[1] + region[3] * scale_y)


def transposed_box(box: Box, size: tuple[int, int], transpose: Image.Transpose) -> Box:
    """``box`` of an image of ``size`` after ``image.transpose(transpose)``."""
    x0, y0, x1, y1 = box
    width, height = size
    return {
        _T.FLIP_LEFT_RIGHT: (width - x1, y0, width - x0, y1),
        _T.FLIP_TOP_BOTTOM: (x0, height - y1, x1, height - y0),
        _T.ROTATE_180: (width - x1, height - y1, width - x0, height - y0),
        _T.ROTATE_90: (y0, width - x1, y1, width - x0),
        _T.ROTATE_270: (height - y1, x0, height - y0, x1),
        _T.TRANSPOSE: (y0, x0, y1, x1),
        _T.TRANSVERSE: (height - y1, width - x1, height - y0, width - x0),
    }[transpose]


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
    """The upright photo resized to ``size`` (width, height): uint8 (H, W, 3)."""
    image, box, _ = upright(decoded)
    if image.size != size or box != (0, 0, *size):
        image = image.resize(size, RESAMPLE[resample], box=box)
    pixels: np.ndarray = np.asarray(image, dtype=np.uint8)
    return pixels


def load_rgb(data: bytes, size: tuple[int, int], resample: str = "bilinear",
             draft: bool = True, max_pixels: int = DEFAULT_MAX_PIXELS,
             shorter: int = 0) -> np.ndarray:
    """Bytes to uint8 (H, W, 3) pixels exactly as the service prepares them."""
    decoded = open_image(data, target=decode_target(size, shorter), max_pixels=max_pixels,
                         draft=draft, resample=resample)
    return fit_image(decoded, size, resample, shorter)
