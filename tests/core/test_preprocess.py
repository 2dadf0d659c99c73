"""Decoding, mode conversion, orientation, resizing and the normalisation families."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core import errors
from core.images.decode import open_image, sniff_refused
from core.images.resize import load_rgb, resize_image
from core.inference.normalization import normalize
from tests import images


def _nearest_index(src: int, dst: int) -> np.ndarray:
    """Pillow's NEAREST source index: 16.16 fixed point from the output pixel's centre."""
    scale = src / dst
    step = int(np.floor(scale * 65536 + 0.5))
    start = int(np.floor(scale * 0.5 * 65536 + 0.5))
    index: np.ndarray = np.minimum((start + np.arange(dst, dtype=np.int64) * step) >> 16,
                                   src - 1)
    return index


def _reference_nearest(image: Image.Image, width: int, height: int) -> np.ndarray:
    """NEAREST resize re-implemented in NumPy (keras-image-helper calls Pillow's)."""
    src = np.asarray(image.convert("RGB"))
    rows = _nearest_index(src.shape[0], height)
    cols = _nearest_index(src.shape[1], width)
    picked: np.ndarray = src[rows][:, cols]
    return picked


@pytest.mark.parametrize("size", [(640, 480), (1000, 750), (299, 299), (123, 457)])
def test_lesson_reference_nearest_xception_is_reproduced_exactly(size: tuple[int, int]) -> None:
    data = images.jpeg(*size)
    ours = normalize(load_rgb(data, (299, 299), "nearest", draft=False)[np.newaxis], "xception")
    # The lesson (keras-image-helper): PIL decode, NEAREST to 299x299, x / 127.5 - 1.
    reference = _reference_nearest(Image.open(io.BytesIO(data)), 299, 299)
    expected = reference.astype(np.float32)[np.newaxis] / 127.5 - 1.0
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("maker", [images.jpeg, images.png_rgba, images.cmyk_jpeg,
                                   images.exif_rotated_jpeg, images.palette_gif, images.png16,
                                   images.webp, images.bmp])
def test_every_supported_format_and_mode_becomes_rgb_uint8(maker: object) -> None:
    pixels = load_rgb(maker(), (224, 224))  # type: ignore[operator]
    assert pixels.shape == (224, 224, 3)
    assert pixels.dtype == np.uint8


def test_alpha_is_composited_on_white() -> None:
    pixels = load_rgb(images.png_rgba(200, 160), (200, 160), "nearest")
    assert (pixels[:, :90] == 255).all()  # the transparent half
    assert not (pixels[:, 110:] == 255).all()


def test_exif_orientation_is_applied() -> None:
    # Stored 300x200 landscape with orientation 6 (rotate 90 CW to display): shows as portrait.
    data = images.exif_rotated_jpeg(orientation=6, width=300, height=200)
    decoded = open_image(data, target=(200, 300), max_pixels=10**6, draft=False)
    shown = resize_image(decoded, (200, 300), "nearest")
    stored = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    expected = np.asarray(Image.fromarray(stored).transpose(Image.Transpose.ROTATE_270))
    assert shown.shape == (300, 200, 3)
    assert np.abs(shown.astype(int) - expected.astype(int)).mean() < 2


def test_sixteen_bit_is_rescaled_not_clipped() -> None:
    pixels = load_rgb(images.png16(64, 48), (64, 48), "nearest")
    grey = pixels[..., 0].ravel()
    assert grey.min() == 0 and grey.max() == 255  # clipping would saturate most values
    assert len(np.unique(grey)) > 200


def test_gif_uses_the_first_frame() -> None:
    first = load_rgb(images.palette_gif(frames=3), (120, 90), "nearest")
    alone = load_rgb(images.encode(images.pattern(120, 90, seed=0).convert(
        "P", palette=Image.Palette.ADAPTIVE), "GIF"), (120, 90), "nearest")
    np.testing.assert_array_equal(first, alone)


def test_cmyk_is_converted_to_rgb_colours() -> None:
    rgb = load_rgb(images.jpeg(200, 160), (50, 40))
    cmyk = load_rgb(images.cmyk_jpeg(200, 160), (50, 40))
    assert np.abs(rgb.astype(int) - cmyk.astype(int)).mean() < 12


def test_draft_decoding_shrinks_large_jpegs_before_resizing() -> None:
    data = images.jpeg(2400, 1800)
    decoded = open_image(data, target=(224, 224), max_pixels=10**8, draft=True)
    assert decoded.source_size == (2400, 1800)
    assert decoded.image.size[0] < 2400 and min(decoded.image.size) >= 224
    full = load_rgb(data, (224, 224), draft=False)
    drafted = load_rgb(data, (224, 224), draft=True)
    assert np.abs(full.astype(int) - drafted.astype(int)).mean() < 4


@pytest.mark.parametrize(("data", "error"), [
    (b"", errors.InvalidImage),
    (b"definitely not an image", errors.InvalidImage),
    (images.jpeg()[:300], errors.InvalidImage),
    (b"%PDF-1.7\n%...", errors.UnsupportedImageFormat),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", errors.UnsupportedImageFormat),
    (images.encode(images.pattern(32, 32), "TIFF"), errors.UnsupportedImageFormat),
])
def test_bad_bytes_raise_the_right_error(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        load_rgb(data, (224, 224))


def test_pixel_limit_is_checked_from_the_header() -> None:
    with pytest.raises(errors.ImageTooLarge) as caught:
        load_rgb(images.jpeg(1000, 1000), (224, 224), max_pixels=999_999)
    assert caught.value.status == 413


def test_sniff_names_refused_formats() -> None:
    assert sniff_refused(b"8BPS....") == "PSD"
    assert sniff_refused(images.jpeg()) is None


@pytest.mark.parametrize(("family", "pixel", "expected"), [
    ("mobilenet", (0, 127.5, 255), (-1.0, 0.0, 1.0)),
    ("xception", (255, 255, 255), (1.0, 1.0, 1.0)),
    ("efficientnet", (10, 20, 30), (10, 20, 30)),
    ("none", (10, 20, 30), (10, 20, 30)),
    ("torch", (123.675, 116.28, 103.53), (0.0, 0.0, 0.0)),
    # caffe: BGR order, then the BGR mean is subtracted.
    ("resnet50", (123.68, 116.779, 103.939), (0.0, 0.0, 0.0)),
    ("vgg16", (0, 0, 255), (255 - 103.939, -116.779, -123.68)),
])
def test_normalisation_families(family: str, pixel: tuple[float, float, float],
                                expected: tuple[float, float, float]) -> None:
    source = np.array(pixel, dtype=np.float64).reshape(1, 1, 3)
    if family != "mobilenet":
        source = source.astype(np.float32)
    result = normalize(source, family)
    np.testing.assert_allclose(result.ravel(), expected, atol=1e-3)


def torchvision_eval(image: Image.Image, shorter: int, crop: int) -> np.ndarray:
    """``Resize(shorter)`` + ``CenterCrop(crop)`` as torchvision computes them on a PIL image
    (``_compute_resized_output_size`` and ``center_crop``), written out independently."""
    width, height = image.size
    short, long = min(width, height), max(width, height)
    new_short, new_long = shorter, int(shorter * long / short)
    size = (new_short, new_long) if width <= height else (new_long, new_short)
    resized = image.resize(size, Image.Resampling.BILINEAR)
    top = round((size[1] - crop) / 2.0)
    left = round((size[0] - crop) / 2.0)
    return np.asarray(resized.crop((left, top, left + crop, top + crop)))


@pytest.mark.parametrize(("width", "height"), [(320, 240), (240, 320), (500, 375), (256, 256),
                                               (301, 299)])
def test_resize_shorter_then_center_crop_matches_torchvision(width: int, height: int) -> None:
    image = images.pattern(width, height, seed=2)
    data = images.encode(image, "PNG")
    ours = load_rgb(data, (224, 224), "bilinear", shorter=256)
    np.testing.assert_array_equal(ours, torchvision_eval(image, 256, 224))


def test_resize_shorter_undoes_exif_orientation_first() -> None:
    from PIL import ImageOps

    data = images.exif_rotated_jpeg()
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    assert upright.size != Image.open(io.BytesIO(data)).size  # the test image is rotated
    ours = load_rgb(data, (100, 100), shorter=120, draft=False)
    np.testing.assert_array_equal(ours, torchvision_eval(upright, 120, 100))


def test_a_strip_is_cut_to_4_to_1_before_resizing() -> None:
    strip = images.encode(images.pattern(4000, 60), "PNG")
    assert load_rgb(strip, (224, 224), shorter=256).shape == (224, 224, 3)
