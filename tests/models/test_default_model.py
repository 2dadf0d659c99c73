"""The committed clothing model: loads in LiteRT, agrees with its manifest, scores sanely."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from core.images.resize import load_rgb
from models.build.features import input_mapper

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "clothing"
KEYS = {"format", "name", "version", "file", "sha256", "labels", "input", "preprocessing",
        "output", "description", "license", "source"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def interpreter(manifest: dict[str, Any]) -> Interpreter:
    model = Interpreter(str(MODEL_DIR / manifest["file"]), num_threads=2)
    model.allocate_tensors()
    return model


def tshirt_jpeg() -> bytes:
    """A synthetic drawing of a T-shirt on a light background, as JPEG bytes."""
    image = Image.new("RGB", (300, 360), (235, 235, 230))
    draw = ImageDraw.Draw(image)
    body = [(90, 60), (130, 45), (170, 45), (210, 60), (270, 120), (235, 150), (215, 130),
            (215, 320), (85, 320), (85, 130), (65, 150), (30, 120)]
    draw.polygon(body, fill=(200, 40, 40), outline=(90, 10, 10))
    draw.ellipse((128, 35, 172, 70), fill=(235, 235, 230))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def classify(model: Interpreter, manifest: dict[str, Any], data: bytes) -> NDArray[np.float32]:
    """Scores for encoded image bytes through the served pixel pipeline."""
    size = (manifest["input"]["width"], manifest["input"]["height"])
    pixels = load_rgb(data, size, manifest["preprocessing"]["resize"])
    detail = model.get_input_details()[0]
    model.set_tensor(detail["index"], input_mapper(detail)(pixels))
    model.invoke()
    scores = model.get_tensor(model.get_output_details()[0]["index"])
    return np.array(scores[0], dtype=np.float32)


def test_manifest_schema(manifest: dict[str, Any]) -> None:
    assert set(manifest) == KEYS
    assert manifest["format"] == 1
    assert manifest["labels"] == ["dress", "hat", "longsleeve", "outwear", "pants", "shirt",
                                  "shoes", "shorts", "skirt", "t-shirt"]
    assert manifest["input"] == {"height": 224, "width": 224, "color": "RGB", "layout": "NHWC"}
    assert manifest["preprocessing"] == {"resize": "bilinear", "normalization": "mobilenet"}
    assert manifest["output"] == "probabilities"


def test_sha256_and_size(manifest: dict[str, Any]) -> None:
    blob = (MODEL_DIR / manifest["file"]).read_bytes()
    assert hashlib.sha256(blob).hexdigest() == manifest["sha256"]
    assert len(blob) <= 5 * 1024 * 1024
    assert len(list(MODEL_DIR.glob("*.tflite"))) == 1


def test_tensors_agree_with_manifest(interpreter: Interpreter, manifest: dict[str, Any]) -> None:
    (inp,) = interpreter.get_input_details()
    (out,) = interpreter.get_output_details()
    height, width = manifest["input"]["height"], manifest["input"]["width"]
    assert list(inp["shape"]) == [1, height, width, 3]
    assert list(out["shape"]) == [1, len(manifest["labels"])] == [1, 10]
    assert out["dtype"] == np.float32


def test_synthetic_image_gives_probabilities(
    interpreter: Interpreter, manifest: dict[str, Any]
) -> None:
    data = tshirt_jpeg()
    first = classify(interpreter, manifest, data)
    second = classify(interpreter, manifest, data)
    assert first.shape == (10,)
    assert np.all(first >= 0.0) and np.all(first <= 1.0)
    assert abs(float(first.sum()) - 1.0) < 1e-5
    np.testing.assert_array_equal(first, second)


def test_different_images_give_different_scores(
    interpreter: Interpreter, manifest: dict[str, Any]
) -> None:
    grey = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(grey, "PNG")
    shirt = classify(interpreter, manifest, tshirt_jpeg())
    plain = classify(interpreter, manifest, grey.getvalue())
    assert not np.allclose(shirt, plain)
