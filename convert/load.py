"""Open a Keras ``.h5``, a Keras 3 ``.keras`` file or a SavedModel directory for conversion.

Each format takes the route that works with TensorFlow 2.16+ (Keras 3):

* ``.h5`` (Keras 2): loaded with ``tf_keras``, converted with ``TFLiteConverter.from_keras_model``
  (the Keras 2 model it was written for); a Keras 3 ``.h5`` falls back to the ``.keras`` route.
* ``.keras`` (Keras 3): ``model.export()`` to a SavedModel, then ``from_saved_model``.
* SavedModel directory: its ``serving_default`` signature, then ``from_saved_model``.

Unless ``trusted``, no code stored in a Keras file runs (``convert.safety``): ``.keras`` loads
with Keras's ``safe_mode=True`` and a Keras file with a Lambda layer is refused before loading.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convert import backend
from convert.errors import ConversionError, first_line
from convert.safety import explain_refusal, refuse_stored_code
from convert.signature import check_signature, model_shapes, signature_shapes

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
FORMATS = ("h5", "keras", "saved_model")


@dataclass(frozen=True)
class SourceModel:
    """A loaded source model: how to run it and how to make a TFLite converter for it."""

    path: Path
    kind: str
    height: int
    width: int
    num_classes: int
    run: Callable[[np.ndarray], np.ndarray]
    converter: Callable[[Path], Any]  # work dir -> tf.lite.TFLiteConverter
    call: Callable[[Any], Any] | None = None  # float32 NHWC tensor -> scores, TF-traceable

    @property
    def size_bytes(self) -> int:
        """Bytes on disk (a SavedModel directory counts every file in it)."""
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
        return self.path.stat().st_size


def detect_format(path: Path) -> str:
    """``h5``, ``keras`` or ``saved_model``, from the suffix or the first bytes."""
    if not path.exists():
        raise ConversionError(f"model {path} does not exist")
    if path.is_dir():
        if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
            return "saved_model"
        raise ConversionError(f"{path} is a directory but not a SavedModel (no saved_model.pb)")
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        return "h5"
    if suffix == ".keras":
        return "keras"
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_HDF5_MAGIC):
        return "h5"
    if head.startswith(_ZIP_MAGIC):
        return "keras"
    raise ConversionError(f"unsupported model format {path.name!r}: expected a Keras .h5, a "
                          "Keras 3 .keras file or a SavedModel directory")


def load_source(path: Path, trusted: bool = False) -> SourceModel:
    """Load ``path`` in the format it is in, checking it takes one RGB image tensor;
    ``trusted``: let Keras run code stored in the file (Lambda layers)."""
    kind = detect_format(path)
    if kind == "saved_model":
        return _load_saved_model(path)
    if not trusted:
        refuse_stored_code(path, kind)
    if kind == "h5":
        try:
            model = backend.tf_keras().models.load_model(str(path), compile=False)
        except Exception as legacy:  # maybe a Keras 3 .h5: try that loader
            model = _keras3_load(path, "Keras .h5", legacy, trusted)
            return _keras_source(path, kind, model, _export_converter(model))
        return _keras_source(path, kind, model, _keras2_converter(model))
    model = _keras3_load(path, "Keras 3 .keras", None, trusted)
    return _keras_source(path, kind, model, _export_converter(model))


def _keras3_load(path: Path, what: str, earlier: Exception | None, trusted: bool) -> Any:
    try:
        return backend.keras3().saving.load_model(str(path), compile=False,
                                                  safe_mode=not trusted)
    except ConversionError:
        raise
    except Exception as exc:  # Keras raises anything from a bad file
        refused = explain_refusal(exc)
        reason = refused or first_line(earlier if earlier is not None else exc)
        raise ConversionError(f"cannot load {path} as a {what} model: {reason}") from exc


def _keras_source(path: Path, kind: str, model: Any,
                  converter: Callable[[Path], Any]) -> SourceModel:
    height, width, classes = check_signature(*model_shapes(model))

    def run(batch: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():  # Keras 3 on NumPy 2: a copy= DeprecationWarning
            warnings.simplefilter("ignore", DeprecationWarning)
            return np.asarray(model(batch, training=False), dtype=np.float32)

    def call(batch: Any) -> Any:
        return model(batch, training=False)

    return SourceModel(path, kind, height, width, classes, run, converter, call)


def _keras2_converter(model: Any) -> Callable[[Path], Any]:
    def make(_: Path) -> Any:
        return backend.tensorflow().lite.TFLiteConverter.from_keras_model(model)

    return make


def _export_converter(model: Any) -> Callable[[Path], Any]:
    def make(work: Path) -> Any:
        target = work / "saved_model"
        try:
            model.export(str(target), format="tf_saved_model", verbose=False)
        except Exception as exc:  # Keras export raises anything
            raise ConversionError(f"cannot export the Keras model: {first_line(exc)}") from exc
        return backend.tensorflow().lite.TFLiteConverter.from_saved_model(str(target))

    return make


def _load_saved_model(path: Path) -> SourceModel:
    tf = backend.tensorflow()
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as exc:  # TF raises anything from a bad SavedModel
        raise ConversionError(f"cannot load SavedModel {path}: {first_line(exc)}") from exc
    signatures = dict(loaded.signatures)
    key = "serving_default" if "serving_default" in signatures else next(iter(signatures), None)
    if key is None:
        raise ConversionError(f"SavedModel {path} has no serving signature")
    function = signatures[key]
    in_name, in_shape, out_name, out_shape = signature_shapes(function)
    height, width, classes = check_signature([in_shape], [out_shape])

    def run(batch: np.ndarray) -> np.ndarray:
        outputs = function(**{in_name: tf.constant(batch)})
        return np.asarray(outputs[out_name], dtype=np.float32)

    def make(_: Path) -> Any:
        return tf.lite.TFLiteConverter.from_saved_model(str(path), signature_keys=[key])

    def call(batch: Any) -> Any:  # through ``loaded``, which owns the variables
        return loaded.signatures[key](**{in_name: batch})[out_name]

    return SourceModel(path, "saved_model", height, width, classes, run, make, call)
