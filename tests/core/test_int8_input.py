"""Full-integer TFLite models built by the tests, served through the core: the answer equals
the interpreter's own on the pixels quantised with the input's scale and zero point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.api.service import Service
from core.images.resize import load_rgb
from core.messages import Request
from tests import images
from tests.conftest import make_settings
from tests.tflite_graphs import SIZE, build


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("int8")
    return {kind: build(root / f"{kind}.tflite", kind) for kind in ("int8", "uint8")}


def picture(seed: int) -> Image.Image:
    """Random pixels at the input size (no resize) holding both ends of the range, 0 and 255."""
    pixels = np.random.default_rng(seed).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    pixels[0, 0], pixels[-1, -1] = 0, 255
    return Image.fromarray(pixels, "RGB")


def interpreter_logits(model: Path, pixels: np.ndarray) -> np.ndarray:
    """The interpreter fed round(pixel / scale + zero_point), clipped to the input dtype."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    limits = np.iinfo(inp["dtype"])
    quantised = np.clip(np.round(pixels.astype(np.float64) / scale + zero), limits.min,
                        limits.max).astype(inp["dtype"])
    interpreter.set_tensor(inp["index"], quantised[np.newaxis])
    interpreter.invoke()
    raw = interpreter.get_tensor(out["index"]).astype(np.float32)
    out_scale, out_zero = out["quantization"]
    logits: np.ndarray = (raw - np.float32(out_zero)) * np.float32(out_scale)
    first: np.ndarray = logits[0]
    return first


@pytest.mark.parametrize("normalization", ["none", "auto"])
@pytest.mark.parametrize("kind", ["int8", "uint8"])
def test_full_integer_model_answers_as_the_interpreter_on_quantised_pixels(
        models: dict[str, Path], kind: str, normalization: str) -> None:
    service = Service(make_settings(model_path=models[kind], model_output="logits",
                                    model_normalization=normalization))
    info = service.pipeline.classifier.input
    assert (info.scale, info.zero_point) == (1.0, -128 if kind == "int8" else 0)
    for seed in range(3):
        photo = images.encode(picture(seed), "PNG")
        response = service.handle(Request("POST", "/predict", {"content-type": "image/png"},
                                          {}, photo))
        assert response.status == 200, response.body
        pixels = load_rgb(photo, (SIZE, SIZE))
        assert pixels.min() == 0 and pixels.max() == 255  # both ends of the input range
        expected = interpreter_logits(models[kind], pixels)
        served = response.json()
        assert served == {str(i): round(float(v), 6) for i, v in enumerate(expected)}
