"""The same picture in every pixel mode gives the same pixels, and those are the plain reference
(Pillow convert to RGB, then resize with the manifest's filter), exactly or within the stated
bound of the box reduction taken before smooth filters on large images."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.api.service import Service
from core.images.resize import RESAMPLE, load_rgb
from core.messages import Request
from tests import images, pixel_modes

SMALL, LARGE = (120, 90), (1200, 900)
TARGET = (48, 40)  # (width, height); at LARGE the reduction factor is 900 // (3 * 48) = 6
MODES = list(pixel_modes.variants(SMALL))


def plain(reference: np.ndarray, size: tuple[int, int], resample: str) -> np.ndarray:
    return np.asarray(Image.fromarray(reference, "RGB").resize(size, RESAMPLE[resample]))


@pytest.mark.parametrize("resample", ["bilinear", "nearest", "box"])  # smooth, and not
@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["small", "large"])
@pytest.mark.parametrize("mode", MODES)
def test_identical_pixels_give_identical_pixels_whatever_the_mode(
        mode: str, size: tuple[int, int], resample: str) -> None:
    data, reference = pixel_modes.variants(size)[mode]
    ours = load_rgb(data, TARGET, resample, draft=False)
    twin = load_rgb(pixel_modes.png(reference), TARGET, resample, draft=False)
    np.testing.assert_array_equal(ours, twin)


@pytest.mark.parametrize(("size", "resample"), [
    (SMALL, "bilinear"), (SMALL, "bicubic"), (SMALL, "nearest"), (SMALL, "box"),
    (LARGE, "nearest"), (LARGE, "box")], ids=["small-bilinear", "small-bicubic",
                                              "small-nearest", "small-box", "large-nearest",
                                              "large-box"])
@pytest.mark.parametrize("mode", MODES)
def test_without_reduction_every_mode_is_convert_then_resize(
        mode: str, size: tuple[int, int], resample: str) -> None:
    data, reference = pixel_modes.variants(size)[mode]
    ours = load_rgb(data, TARGET, resample, draft=False)
    np.testing.assert_array_equal(ours, plain(reference, TARGET, resample))


@pytest.mark.parametrize("mode", ["RGBA translucent", "LA", "P transparent index",
                                  "P palette alpha", "L tRNS", "RGB tRNS", "I;16 tRNS"])
def test_a_transparent_pixel_is_white_in_every_variant(mode: str) -> None:
    data, _ = pixel_modes.variants(SMALL)[mode]
    decoded = Image.open(io.BytesIO(data))
    rgba = np.asarray(decoded.convert("RGBA")) if mode != "I;16 tRNS" else None
    transparent = (np.asarray(decoded) == decoded.info["transparency"]) if rgba is None \
        else rgba[..., 3] == 0
    assert transparent.any()
    pixels = load_rgb(data, SMALL, "nearest", draft=False)
    assert (pixels[transparent] == 255).all()


def test_an_rgb_and_an_opaque_rgba_photo_get_the_same_answer(
        service: Service) -> None:
    answers = []
    photo = Image.fromarray(pixel_modes.photo((1600, 1200)), "RGB")
    for image in (photo, photo.convert("RGBA")):
        data = images.encode(image, "PNG", compress_level=1)
        response = service.handle(Request("POST", "/predict", {"content-type": "image/png"},
                                          {}, data))
        assert response.status == 200, response.body
        answers.append(response.json())
    assert answers[0] == answers[1]
