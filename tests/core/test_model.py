"""The model runtime on the committed default model, through the real LiteRT interpreter."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from core import config, errors
from core.images.resize import load_rgb
from core.inference.classifier import Classifier
from core.inference.input_encoding import input_table
from core.inference.litert import TFLiteClassifier
from core.inference.loader import load_classifier
from core.inference.manifest import Manifest
from core.inference.normalization import affine, normalize
from core.inference.tensor_info import TensorInfo
from tests import images

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here


def pixels_of(seed: int) -> np.ndarray:
    return load_rgb(images.jpeg(seed=seed), (224, 224))


def test_default_model_loads_with_its_manifest(classifier: Classifier) -> None:
    assert classifier.runtime.name == "litert"
    assert classifier.input_size == (224, 224)
    assert len(classifier.labels) == classifier.output.shape[-1] == 10
    assert classifier.sha256 == classifier.manifest.sha256


def test_scores_are_deterministic(classifier: Classifier) -> None:
    batch = pixels_of(1)[np.newaxis]
    first, second = classifier.predict(batch), classifier.predict(batch)
    assert first.dtype == np.float32 and first.shape == (1, 10)
    np.testing.assert_array_equal(first, second)


def test_batch_equals_one_by_one(classifier: Classifier) -> None:
    stack = np.stack([pixels_of(seed) for seed in range(4)])
    together = classifier.predict(stack)
    alone = np.concatenate([classifier.predict(stack[i:i + 1]) for i in range(4)])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert classifier.predict(stack[:1]).shape == (1, 10)


def test_concurrent_predictions_equal_serial_ones(classifier: Classifier) -> None:
    inputs = [pixels_of(seed)[np.newaxis] for seed in range(6)]
    serial = [classifier.predict(x) for x in inputs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(classifier.predict, inputs * 4))
    for i, result in enumerate(parallel):
        np.testing.assert_array_equal(result, serial[i % 6])


def test_wrong_pixel_shape_is_a_model_error(classifier: Classifier) -> None:
    with pytest.raises(errors.ModelError):
        classifier.predict(np.zeros((1, 10, 10, 3), dtype=np.uint8))


@pytest.mark.parametrize(("dtype", "scale", "zero", "family"), [
    (np.uint8, 1 / 128, 128, "mobilenet"),
    (np.int8, 1 / 127.5, -1, "mobilenet"),
    (np.uint8, 0.0185, 114, "torch"),
    (np.float32, 0.0, 0, "xception"),
    (np.float32, 0.0, 0, "caffe"),
])
def test_input_table_matches_normalise_then_quantise(dtype: type, scale: float, zero: int,
                                                     family: str) -> None:
    info = TensorInfo((1, 4, 4, 3), dtype, scale, zero)
    table, order = input_table(Manifest(file="m", normalization=family), info)
    pixels = np.arange(256, dtype=np.uint8).repeat(3).reshape(1, 16, 16, 3)
    pixels[..., 1] = 255 - pixels[..., 1]
    expected = normalize(pixels, family).astype(np.float64)
    if np.dtype(dtype).kind in "iu":  # quantise in float64, as the table does
        channels, scale_c, offset_c = affine(family)
        source = pixels[..., ::-1] if channels == "BGR" else pixels
        expected = source * scale_c + offset_c
        limits = np.iinfo(dtype)
        expected = np.clip(np.round(expected / scale + zero), limits.min, limits.max)
    got = np.stack([table[c][pixels[..., order[c]]] for c in range(3)], axis=-1)
    np.testing.assert_allclose(got.astype(np.float64), expected, atol=1e-4)


def copy_model(tmp_path: Path) -> Path:
    target = tmp_path / "model.tflite"
    shutil.copy(DEFAULT_MODEL, target)
    return target


def test_labels_file_without_manifest(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    (tmp_path / "labels.txt").write_text("\n".join(f"c{i}" for i in range(10)) + "\n")
    loaded = load_classifier(model, normalization="mobilenet")
    assert loaded.labels == tuple(f"c{i}" for i in range(10))


def test_no_labels_gives_indices(tmp_path: Path) -> None:
    loaded = load_classifier(copy_model(tmp_path))
    assert loaded.labels == tuple(str(i) for i in range(10))
    assert loaded.manifest.normalization == "auto"


def test_explicit_labels_win(classifier: Classifier) -> None:
    names = [f"x{i}" for i in range(10)]
    assert load_classifier(DEFAULT_MODEL, labels=names).labels == tuple(names)


@pytest.mark.parametrize(("change", "message"), [
    ({"labels": ["a", "b"]}, "2 labels but the model outputs 10"),
    ({"sha256": "0" * 64}, "does not match its manifest"),
    ({"input": {"height": 299, "width": 299}}, "disagrees with the model's input"),
    ({"preprocessing": {"normalization": "bogus"}}, "must be one of"),
])
def test_manifest_disagreement_fails_at_start(tmp_path: Path, change: dict[str, object],
                                               message: str) -> None:
    model = copy_model(tmp_path)
    manifest = json.loads((DEFAULT_MODEL.parent / "model.json").read_text())
    manifest.update(change)
    (tmp_path / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(errors.ConfigError, match=message):
        load_classifier(model)


def test_missing_model_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="does not exist"):
        load_classifier(tmp_path / "nope.tflite")


@pytest.mark.parametrize("folder", [".", "/", "./"])
def test_a_folder_without_a_file_name_is_refused_as_any_folder(folder: str) -> None:
    """MODEL_PATH=. names no file: the same one line as any other folder, not a trace."""
    with pytest.raises(errors.ConfigError, match=r"^MODEL_PATH (\.|/) does not exist$"):
        load_classifier(folder)


def test_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a flatbuffer at all")
    with pytest.raises(errors.ConfigError, match="cannot load model"):
        load_classifier(bad)


def test_manifest_path_can_be_the_model_path() -> None:
    loaded = load_classifier(DEFAULT_MODEL.parent / "model.json")
    assert loaded.model_path == str(DEFAULT_MODEL)


def test_describe(classifier: Classifier) -> None:
    info = classifier.describe()
    assert info["input"]["dtype"] == np.dtype(classifier.input_dtype).name
    assert info["output_kind"] == "probabilities"
    assert info["preprocessing"]["normalization"] == "mobilenet"
    json.dumps(info)  # plain JSON types only


def test_shared_table_gather_equals_per_channel_gathers(tmp_path: Path) -> None:
    """The uint8 default model's input goes through one gather; it must equal three."""
    for family, shared in (("mobilenet", True), ("torch", False)):
        loaded = load_classifier(copy_model(tmp_path), normalization=family)
        assert isinstance(loaded, TFLiteClassifier)
        assert loaded._shared_table is shared
        pixels = np.random.default_rng(5).integers(0, 256, (1, 224, 224, 3), dtype=np.uint8)
        loaded._write_input(pixels)
        written = loaded._interpreter.get_tensor(loaded._input_index)
        expected = np.stack([loaded._table[c][pixels[..., loaded._order[c]]] for c in range(3)],
                            axis=-1)
        np.testing.assert_array_equal(written, expected)


def test_a_manifest_describing_another_file_says_which_and_what_to_do(tmp_path: Path) -> None:
    from tests.onnx_graphs import build

    copy_model(tmp_path)  # model.tflite with its model.json
    shutil.copy(DEFAULT_MODEL.parent / "model.json", tmp_path / "model.json")
    onnx_model = build(tmp_path / "model.onnx")  # model.json is its name's manifest too
    with pytest.raises(errors.ConfigError) as caught:
        load_classifier(onnx_model)
    message = str(caught.value)
    assert message.startswith(f"manifest {tmp_path / 'model.json'} describes model.tflite, "
                              "not model.onnx")
    assert "MODEL_MANIFEST" in message and "\n" not in message
