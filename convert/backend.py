"""Lazy, quiet access to TensorFlow, Keras 3 and tf_keras (all untyped: ``Any`` stops here)."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

from convert.errors import ConversionError

_INSTALL_HINT = "install the convert extra: pip install -e '.[convert]'"


def _import(name: str) -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with captured_stderr():  # absl/CUDA probing chatter at import time
            module = importlib.import_module(name)
    except ImportError as exc:
        raise ConversionError(f"{name} is not installed ({_INSTALL_HINT})") from exc
    return module


def tensorflow() -> Any:
    """The ``tensorflow`` module, with its Python loggers quietened."""
    tf = _import("tensorflow")
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    return tf


def keras3() -> Any:
    """Keras 3 (the ``keras`` package that TensorFlow 2.16+ ships with)."""
    tensorflow()
    return _import("keras")


def tf_keras() -> Any:
    """Keras 2 (``tf_keras``), the only loader that reads every legacy Keras 2 ``.h5``."""
    tensorflow()
    return _import("tf_keras")


@contextlib.contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Send the process's fd 2 (TF/MLIR C++ logs) to a buffer; yields a list filled at exit.

    ``sys.stderr`` is swapped for a duplicate of the real terminal so progress bars still show.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    text: list[str] = []
    real = os.fdopen(os.dup(saved), "w", buffering=1)
    old_stderr = sys.stderr
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        sys.stderr = real
        try:
            yield text
        finally:
            sys.stderr = old_stderr
            real.close()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.append(sink.read().decode("utf-8", "replace"))
