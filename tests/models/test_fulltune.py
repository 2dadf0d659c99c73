"""The whole-backbone fine-tuning pieces (recipe ``full``) on the committed model: no ../shared.

The committed ``models/clothing/model.tflite`` is itself an int8 MobileNetV2 up to its global
pool, so it stands in for the shared backbone: it is rebuilt in Keras, trained for a step, and a
small Keras model is requantised the way the build requantises the backbone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from core.images.resize import load_rgb
from models.build import MODEL_DIR, REPO_ROOT, graph
from models.build.backbone import keras_backbone
from models.build.fulltune import FullTuneConfig, boxes, quantise, to_float, train
from models.build.tail import head_layers

BLOB = (MODEL_DIR / "model.tflite").read_bytes()


def int8_pooled(blob: bytes, pixels: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Dequantised output of the model's MEAN (global pool) for each uint8 image."""
    model = graph.load(blob)
    ops = model.subgraphs[0].operators
    mean = next(op for op in ops if model.operatorCodes[op.opcodeIndex].builtinCode
                == schema.BuiltinOperator.MEAN)
    pool = graph.prune(model, int(mean.outputs[0]))
    model.subgraphs[0].outputs = [pool]
    interpreter = Interpreter(model_content=graph.dump(model, "pool"))
    interpreter.allocate_tensors()
    out = interpreter.get_output_details()[0]
    scale, zero_point = out["quantization"]
    rows = []
    for image in pixels:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image[None])
        interpreter.invoke()
        raw = interpreter.get_tensor(out["index"]).reshape(-1).astype(np.float32)
        rows.append((raw - zero_point) * scale)
    return np.stack(rows)


@pytest.fixture(scope="module")
def photos() -> NDArray[np.uint8]:
    names = ("coat.jpg", "astronaut.jpg")
    return np.stack([load_rgb((REPO_ROOT / "samples" / n).read_bytes(), (224, 224), "bilinear")
                     for n in names])


def test_keras_backbone_reproduces_the_int8_features(photos: NDArray[np.uint8]) -> None:
    net = keras_backbone(BLOB)
    assert net.output_shape == (None, 1280)
    floats = np.asarray(net.predict(to_float(photos), verbose=0))
    int8 = int8_pooled(BLOB, photos)
    for a, b in zip(floats, int8, strict=True):
        assert np.corrcoef(a, b)[0, 1] > 0.98
    assert np.abs(floats - int8).mean() < 0.15 * np.abs(int8).mean()  # int8 rounding only
    other = np.corrcoef(floats[0], int8[1])[0, 1]
    assert other < 0.9  # the two photos are told apart


def test_to_float_is_the_inputs_quantisation() -> None:
    interpreter = Interpreter(model_content=BLOB)
    scale, zero_point = interpreter.get_input_details()[0]["quantization"]
    pixels = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(to_float(pixels), (pixels.astype(np.float32) - zero_point) * scale,
                               atol=scale)


def test_crop_boxes_are_seeded_inside_and_half_mirrored() -> None:
    cfg = FullTuneConfig(min_area=0.4)
    first = boxes(400, cfg, np.random.default_rng(3))
    np.testing.assert_array_equal(first, boxes(400, cfg, np.random.default_rng(3)))
    top, x1, bottom, x2 = first.T
    assert first.min() >= 0.0 and first.max() <= 1.0 + 1e-6
    area = (bottom - top) * np.abs(x2 - x1)
    assert area.min() > 0.4 * 0.85 and area.max() <= 1.0 + 1e-6
    assert 0.4 < (x2 < x1).mean() < 0.6


def test_training_is_deterministic_and_moves_the_weights() -> None:
    rng = np.random.default_rng(0)
    large = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    labels = np.array([0, 1, 2, 1], dtype=np.int64)
    features = rng.random((8, 1280), dtype=np.float32)
    cfg = FullTuneConfig(epochs=1, head_epochs=1, batch=4, freeze=40)

    def run() -> tuple[Any, Any]:
        net, top = train(BLOB, large, labels, features, np.tile(labels, 2), cfg, seed=1,
                         log=lambda _: None)
        return net.get_layer("op60").get_weights()[0], head_layers(top)

    kernel, head = run()
    again, head_again = run()
    np.testing.assert_array_equal(kernel, again)
    np.testing.assert_array_equal(head[0][0], head_again[0][0])
    untouched = keras_backbone(BLOB).get_layer("op60").get_weights()[0]
    assert not np.array_equal(kernel, untouched)
    assert head[0][0].shape == (1280, 3)


def test_quantise_gives_uint8_pixels_in_and_int8_features_out() -> None:
    from convert import backend

    keras = backend.keras3()
    inputs = keras.Input((224, 224, 3))
    x = keras.layers.Conv2D(8, 3, strides=4, activation="relu6")(inputs)
    tiny = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    calibration = np.random.default_rng(2).integers(0, 256, (6, 224, 224, 3), dtype=np.uint8)
    interpreter = Interpreter(model_content=quantise(tiny, calibration))
    interpreter.allocate_tensors()
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    assert source["dtype"] == np.uint8 and target["dtype"] == np.int8
    interpreter.set_tensor(source["index"], calibration[:1])
    interpreter.invoke()
    scale, zero_point = target["quantization"]
    got = (interpreter.get_tensor(target["index"]).astype(np.float32) - zero_point) * scale
    want = np.asarray(tiny(to_float(calibration[:1])))
    np.testing.assert_allclose(got, want, atol=4 * scale + 0.02 * np.abs(want).max())
