"""Tiny Keras models in every source format, built once per session (32x32 input, 3 classes).

TensorFlow is imported unconditionally: these tests must run, not skip, where ``make test``
installs the ``convert`` extra.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from convert import backend

SIZE = 32
CLASSES = 3
LABELS = ("cat", "dog", "fish")


def _layers(k: Any, inputs: Any, softmax: bool) -> Any:
    x = k.layers.Conv2D(8, 3, activation="relu")(inputs)
    x = k.layers.GlobalAveragePooling2D()(x)
    return k.layers.Dense(CLASSES, activation="softmax" if softmax else None)(x)


@contextlib.contextmanager
def quiet_keras() -> Iterator[None]:
    """Keras' save/export warnings (legacy .h5, NumPy 2 ``copy=``) are not what is tested."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*HDF5 file.*legacy", category=UserWarning)
        yield


def _build(k: Any, shape: tuple[int | None, ...] = (SIZE, SIZE, 3), softmax: bool = False) -> Any:
    k.utils.set_random_seed(1)
    inputs = k.Input(shape=shape)
    return k.Model(inputs, _layers(k, inputs, softmax))


@pytest.fixture(scope="session")
def keras_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``h5`` (Keras 2 via tf_keras, like the lesson's model), ``keras``, ``saved_model``, and
    ``h5_keras3`` (a legacy .h5 written by Keras 3)."""
    root = tmp_path_factory.mktemp("models")
    tfk, k3 = backend.tf_keras(), backend.keras3()
    paths = {"h5": root / "legacy.h5", "keras": root / "modern.keras",
             "saved_model": root / "exported", "h5_keras3": root / "keras3.h5"}
    with quiet_keras():
        _build(tfk).save(str(paths["h5"]), save_format="h5")
        _build(k3, softmax=True).save(str(paths["keras"]))
        _build(k3).save(str(paths["h5_keras3"]))
        _build(k3).export(str(paths["saved_model"]), format="tf_saved_model", verbose=False)
    return paths


@pytest.fixture(scope="session")
def odd_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Models that are not RGB image classifiers."""
    root = tmp_path_factory.mktemp("odd")
    k3 = backend.keras3()
    paths = {name: root / f"{name}.keras" for name in ("vector", "two_channel", "grey", "free")}
    inputs = k3.Input(shape=(10,))
    with quiet_keras():
        k3.Model(inputs, k3.layers.Dense(2)(inputs)).save(str(paths["vector"]))
        _build(k3, (SIZE, SIZE, 2)).save(str(paths["two_channel"]))
        _build(k3, (SIZE, SIZE, 1)).save(str(paths["grey"]))
        _build(k3, (None, None, 3)).save(str(paths["free"]))
    return paths


@pytest.fixture(scope="session")
def calibration_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 16 small JPEG/PNG images of other sizes, plus files that are not images."""
    root = tmp_path_factory.mktemp("calibration")
    rng = np.random.default_rng(3)
    for i in range(16):
        base = rng.integers(0, 256, size=(3, 3, 3), dtype=np.uint8)
        image = Image.fromarray(base).resize((48, 40), Image.Resampling.BICUBIC)
        image.save(root / (f"{i:02d}.jpg" if i % 2 else f"{i:02d}.png"))
    (root / "notes.txt").write_text("not an image")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    return root


@pytest.fixture()
def unreadable_dir(tmp_path: Path) -> Path:
    """A folder with files but no readable image."""
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"not a jpeg")
    (folder / "b.txt").write_text("hello")
    return folder
