"""Keras's safe mode for every Keras format: no code stored in the model file runs on load.

A Keras ``Lambda`` layer stores Python code (bytecode in a ``.h5``, a function in a
``.keras``) that runs when the model is built. Keras 3's ``load_model(safe_mode=True)`` refuses
it; ``tf_keras``, the only loader of Keras 2 ``.h5`` files, ignores ``safe_mode`` for ``.h5``
and runs it. So every Keras file's model config is read as data first (a ``.h5``'s
``model_config`` attribute with h5py, a ``.keras``'s ``config.json``) and the file is refused
when any layer is a ``Lambda``; ``.keras`` then also loads with ``safe_mode=True``. A
SavedModel holds no Python, but its graph may read or write files when it runs (the parity check
runs it), and no loader has a safe mode for that: only trusted SavedModels should be converted.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from convert.errors import ConversionError

TRUST_HINT = ("converting runs the model's own code: convert only models you trust, with "
              "--trust-model")


def refuse_stored_code(path: Path, kind: str) -> None:
    """Raise ConversionError when the Keras ``kind`` (``h5`` or ``keras``) file at ``path``
    has a Lambda layer (code), reading its model config as data."""
    text = _h5_config(path) if kind == "h5" else _keras_config(path)
    if text is None:
        return  # no model config: the loaders refuse the file themselves
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise ConversionError(f"{path} has an unreadable model config") from exc
    names = sorted(set(lambda_layers(config)))
    if names:
        raise ConversionError(f"{path.name} has Lambda layer(s) {', '.join(names)[:200]}; "
                              f"{TRUST_HINT}")


def _h5_config(path: Path) -> str | None:
    import h5py  # installed with tf_keras and Keras

    try:
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
    except OSError:
        return None  # not HDF5: no loader can build a model from it, and says why
    if raw is None:
        return None
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def _keras_config(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read("config.json").decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None  # not a .keras archive: Keras says why


def lambda_layers(node: Any) -> Iterator[str]:
    """The names of every ``Lambda`` layer in a Keras model config, nested models included."""
    if isinstance(node, dict):
        if node.get("class_name") == "Lambda":
            config = node.get("config")
            yield str(config.get("name", "?")) if isinstance(config, dict) else "?"
        for value in node.values():
            yield from lambda_layers(value)
    elif isinstance(node, list):
        for value in node:
            yield from lambda_layers(value)


def explain_refusal(exc: Exception) -> str | None:
    """A clear message when Keras's safe mode refused the model; None for any other failure."""
    text = str(exc)
    if "safe_mode" in text or "arbitrary code execution" in text:
        return f"the model has a Lambda layer (Python code); {TRUST_HINT}"
    return None
