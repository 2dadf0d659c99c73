"""Loading a model to convert it runs no code from the file unless the model is trusted.

A Keras ``Lambda`` layer is Python code stored in the file: Keras 3 refuses it in safe mode,
but ``tf_keras`` (the loader of Keras 2 ``.h5`` files) runs it whatever ``safe_mode`` says.
Each model here writes a marker file from its Lambda layer when that code runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from convert import backend
from convert.cli import main
from convert.errors import ConversionError
from convert.load import load_source
from tests.convert.conftest import SIZE, quiet_keras


def _with_lambda(k: Any, marker: Path) -> Any:
    target = str(marker)  # a closure the file stores with the layer's code

    def touch(t: Any) -> Any:
        with open(target, "a") as handle:  # the model's own code: what must not run
            handle.write("ran")
        return t

    inputs = k.Input(shape=(SIZE, SIZE, 3))
    x = k.layers.Lambda(touch)(inputs)
    x = k.layers.GlobalAveragePooling2D()(x)
    return k.Model(inputs, k.layers.Dense(3, activation="softmax")(x))


@pytest.fixture(scope="module")
def lambda_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("lambda")
    models = {"h5": (root / "legacy.h5", root / "h5.ran"),
              "keras": (root / "modern.keras", root / "keras.ran"),
              "h5_keras3": (root / "keras3.h5", root / "h5_keras3.ran")}
    with quiet_keras():
        for kind, (path, marker) in models.items():
            k = backend.tf_keras() if kind == "h5" else backend.keras3()
            model = _with_lambda(k, marker)
            model.save(str(path), **({"save_format": "h5"} if kind == "h5" else {}))
            marker.unlink(missing_ok=True)  # building the model ran it once
    return models


@pytest.mark.parametrize("kind", ["h5", "keras", "h5_keras3"])
def test_a_lambda_layer_is_refused_without_running(
        kind: str, lambda_models: dict[str, tuple[Path, Path]]) -> None:
    path, marker = lambda_models[kind]
    with pytest.raises(ConversionError, match="--trust-model") as caught:
        load_source(path)
    assert "Lambda" in str(caught.value)
    assert not marker.exists(), "the model's code ran while loading it"


def test_the_cli_refuses_in_one_line(lambda_models: dict[str, tuple[Path, Path]],
                                     tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    path, marker = lambda_models["h5"]
    assert main([str(path), str(tmp_path / "m.tflite"), "--samples", "2"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--trust-model" in err
    assert not marker.exists()


def test_a_trusted_model_loads(lambda_models: dict[str, tuple[Path, Path]]) -> None:
    path, _ = lambda_models["h5"]
    source = load_source(path, trusted=True)
    assert (source.height, source.width, source.num_classes) == (SIZE, SIZE, 3)
