"""The two shortcuts that shrink a large image before the resize (the box reduction before a
smooth filter, JPEG draft decoding) against the plain reference, with the bounds stated in
docs/models.md; and the geometry they keep (EXIF orientation, resize-shorter-then-crop, the
4:1 cut) equal to the full-size picture's."""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageOps

from core.images.decode import open_image
from core.images.resize import RESAMPLE, decode_target, load_rgb, transposed_box
from core.images.rgb import SMOOTH
from tests import images, pixel_modes

# The box reduction's stated bound: levels from the plain reference (docs/models.md).
REDUCTION_MAX = 8
REDUCTION_MEAN = {"photo": 0.5, "noise": 1.5}
# JPEG draft decoding's stated bound (DCT scaling to between 1 and 2 times the input side):
# levels from decoding every pixel, for smooth filters; nearest then picks from averaged
# 8x8 blocks, so only its mean is bounded.
DRAFT_MAX, DRAFT_MEAN, DRAFT_MEAN_NEAREST = 60, 4.0, 16.0


def noise(width: int, height: int) -> Image.Image:
    """White noise: the worst case for any reduction (all its energy is in fine detail)."""
    pixels = np.random.default_rng(7).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def reduced(data: bytes, target: tuple[int, int], resample: str = "bilinear") -> bool:
    decoded = open_image(data, target=target, max_pixels=10**8, draft=False, resample=resample)
    return decoded.image.size[0] < decoded.source_size[0]


def plain(image: Image.Image, size: tuple[int, int], resample: str) -> np.ndarray:
    return np.asarray(image.convert("RGB").resize(size, RESAMPLE[resample]), dtype=int)


@pytest.mark.parametrize("resample", SMOOTH)
@pytest.mark.parametrize(("picture", "target"), [
    ("photo", (48, 40)), ("photo", (150, 150)), ("noise", (112, 112))])
def test_the_reduction_stays_within_its_stated_bound(picture: str, target: tuple[int, int],
                                                     resample: str) -> None:
    image = Image.fromarray(pixel_modes.photo((1200, 900))) if picture == "photo" \
        else noise(1344, 1008)
    data = images.encode(image, "PNG", compress_level=1)
    assert reduced(data, target, resample)
    difference = np.abs(load_rgb(data, target, resample, draft=False)
                        - plain(image, target, resample))
    assert difference.max() <= REDUCTION_MAX
    assert difference.mean() <= REDUCTION_MEAN[picture]


def eval_transform(image: Image.Image, shorter: int, crop: int, resample: str) -> np.ndarray:
    """torchvision's ``Resize(shorter)`` + ``CenterCrop(crop)`` with ``resample``."""
    width, height = image.size
    long = int(shorter * max(width, height) / min(width, height))
    size = (shorter, long) if width <= height else (long, shorter)
    resized = image.resize(size, RESAMPLE[resample])
    top, left = round((size[1] - crop) / 2.0), round((size[0] - crop) / 2.0)
    return np.asarray(resized.crop((left, top, left + crop, top + crop)), dtype=int)


@cache
def upright_reference(data: bytes) -> Image.Image:
    """The picture as shown: EXIF orientation undone, then the RGB rule (alpha on white)."""
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return Image.fromarray(pixel_modes.composite(shown), "RGB")


@cache
def rotated_png(orientation: int, size: tuple[int, int]) -> bytes:
    """A translucent photo with an EXIF orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    rgba = Image.fromarray(pixel_modes.photo(size)).convert("RGBA")
    ramp = np.linspace(64, 255, size[0], dtype=np.uint8)[None, :].repeat(size[1], axis=0)
    rgba.putalpha(Image.fromarray(ramp))
    return images.encode(rgba, "PNG", exif=exif.tobytes(), compress_level=1)


@pytest.mark.parametrize(("orientation", "shorter", "resample"), [
    *[(orientation, 0, "bilinear") for orientation in range(2, 9)],
    (6, 60, "bilinear"), (7, 60, "bilinear"), (3, 0, "nearest"), (6, 60, "nearest")])
def test_orientation_and_crop_keep_the_full_size_geometry(orientation: int, shorter: int,
                                                          resample: str) -> None:
    data = rotated_png(orientation, (1200, 900))
    size = (48, 40) if not shorter else (56, 56)
    assert reduced(data, decode_target(size, shorter), resample) == (resample != "nearest")
    upright = upright_reference(data)
    ours = load_rgb(data, size, resample, draft=False, shorter=shorter).astype(int)
    if shorter:
        reference = eval_transform(upright, shorter, size[0], resample)
    else:
        reference = plain(upright, size, resample)
    difference = np.abs(ours - reference)
    assert difference.max() <= (0 if resample == "nearest" else REDUCTION_MAX)
    assert difference.mean() <= REDUCTION_MEAN["photo"]


@pytest.mark.parametrize("transpose", list(Image.Transpose)[:7])
def test_a_box_follows_the_image_through_every_transpose(transpose: Image.Transpose) -> None:
    image = Image.new("L", (11, 7))
    box = (2, 1, 9, 4)
    image.paste(255, box)
    moved = transposed_box(box, image.size, transpose)
    assert image.transpose(transpose).getbbox() == moved


@pytest.mark.parametrize("resample", ["nearest", "bilinear"])
def test_a_long_strip_is_cut_to_4_to_1_in_full_size_coordinates(resample: str) -> None:
    strip = Image.fromarray(np.concatenate([pixel_modes.photo((1200, 300))] * 3, axis=1))
    data = images.encode(strip, "PNG", compress_level=1)
    assert reduced(data, (40, 40), resample) == (resample != "nearest")
    left = (3600 - 1200) // 2
    reference = eval_transform(strip.crop((left, 0, left + 1200, 300)), 40, 32, resample)
    ours = load_rgb(data, (32, 32), resample, draft=False, shorter=40).astype(int)
    difference = np.abs(ours - reference)
    assert difference.max() <= (0 if resample == "nearest" else REDUCTION_MAX)


@pytest.mark.parametrize("resample", ["bilinear", "nearest", "lanczos"])
@pytest.mark.parametrize("size", [(1600, 1200), (1203, 901)], ids=["1600x1200", "1203x901"])
def test_draft_decoding_stays_within_its_stated_bound(size: tuple[int, int],
                                                      resample: str) -> None:
    photo = Image.fromarray(pixel_modes.photo(size))
    data = images.encode(photo, "JPEG", quality=92)
    decoded = open_image(data, target=(112, 112), max_pixels=10**8, draft=True,
                         resample=resample)
    assert decoded.image.size[0] < size[0]  # drafted
    reference = plain(Image.open(io.BytesIO(data)), (112, 112), resample)
    difference = np.abs(load_rgb(data, (112, 112), resample) - reference)
    if resample == "nearest":
        assert difference.mean() <= DRAFT_MEAN_NEAREST
    else:
        assert difference.max() <= DRAFT_MAX and difference.mean() <= DRAFT_MEAN


def test_every_jpeg_mode_is_drafted_alike() -> None:
    photo = Image.fromarray(pixel_modes.photo((1600, 1200)))
    drafted = set()
    for mode in ("RGB", "L", "CMYK"):
        data = images.encode(photo.convert(mode), "JPEG", quality=92)
        decoded = open_image(data, target=(112, 112), max_pixels=10**8, draft=True)
        assert decoded.image.size[0] < photo.size[0]
        drafted.add((decoded.image.size, decoded.box))
    assert len(drafted) == 1


def test_sides_without_a_common_divisor_are_not_reduced() -> None:
    """Only whole boxes: a 1203x901 picture (no common divisor) is resized from full size."""
    image = Image.fromarray(pixel_modes.photo((1203, 901))).convert("RGBA")
    data = images.encode(image, "PNG", compress_level=1)
    assert not reduced(data, (48, 40))
    reference = plain(Image.fromarray(pixel_modes.composite(image)), (48, 40), "bilinear")
    np.testing.assert_array_equal(load_rgb(data, (48, 40), draft=False), reference)
