"""Which runtime runs a model: the file's own bytes pick the format, the format the runtime.

A TFLite flatbuffer carries the ``TFL3`` identifier at bytes 4..8; anything else is tried as
ONNX (``core.inference.onnx_header`` parses its header, ONNX Runtime the rest). TFLite models
run on LiteRT
first, then tflite-runtime, then tensorflow.lite; ONNX models on onnxruntime, an optional extra.
"""

from __future__ import annotations

import importlib
import sys
from functools import cache
from typing import Any, NamedTuple

from core.errors import ConfigError
from core.paths import StrPath, pure, suffix
from core.paths import name as file_name

TFLITE, ONNX = "tflite", "onnx"
FORMAT_NAMES = {TFLITE: "TFLite", ONNX: "ONNX"}
# (setting name, module to import, path to the class in it, distribution, model format)
_CANDIDATES = (
    ("litert", "ai_edge_litert.interpreter", "Interpreter", "ai-edge-litert", TFLITE),
    ("tflite_runtime", "tflite_runtime.interpreter", "Interpreter", "tflite-runtime", TFLITE),
    ("tensorflow", "tensorflow", "lite.Interpreter", "tensorflow", TFLITE),
    ("onnxruntime", "onnxruntime", "InferenceSession", "onnxruntime", ONNX),
)

MODULES = tuple(candidate[1] for candidate in _CANDIDATES)
NAMES = tuple(candidate[0] for candidate in _CANDIDATES)
_INSTALL = {TFLITE: "ai-edge-litert", ONNX: "onnxruntime (pip install '.[onnx]')"}


class Runtime(NamedTuple):
    """An importable interpreter implementation."""

    name: str
    distribution: str
    interpreter_class: Any
    format: str = TFLITE

    @property
    def version(self) -> str:
        """The installed distribution's version (read when first asked: importlib.metadata
        costs about 2.5 MB and 10 ms that the cold path does not need)."""
        return _module_version(self.interpreter_class) or _version(self.distribution)

    def create(self, model_path: str, num_threads: int) -> Any:
        """A new TFLite interpreter on ``model_path`` with tensors allocated."""
        interpreter = self.interpreter_class(model_path=model_path, num_threads=num_threads)
        interpreter.allocate_tensors()
        return interpreter


def _module_version(interpreter_class: Any) -> str | None:
    """The ``__version__`` of the package that defines ``interpreter_class``, where it has one:
    read from the imported package, it keeps importlib.metadata off the first request."""
    package = sys.modules.get(getattr(interpreter_class, "__module__", "").partition(".")[0])
    version = getattr(package, "__version__", None)
    return version if isinstance(version, str) else None


@cache
def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def model_format(path: StrPath) -> str:
    """``tflite`` when the file carries the TFLite identifier, else ``onnx``.

    A ``.tflite`` or ``.onnx`` name that the bytes contradict is refused (a renamed file is a
    mistake worth one line at start-up); any other name goes by the bytes alone.
    """
    path = pure(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ConfigError(f"cannot read model {path}: {exc}") from exc
    found = TFLITE if head[4:8] == b"TFL3" else ONNX
    claimed = {".tflite": TFLITE, ".onnx": ONNX}.get(suffix(path).lower(), found)
    if claimed != found:
        what = "a TFLite flatbuffer (TFL3 identifier)" if found == TFLITE else \
            "not a TFLite flatbuffer (no TFL3 identifier)"
        raise ConfigError(f"cannot load model {file_name(path)}: the name says "
                          f"{FORMAT_NAMES[claimed]} but the file is {what}")
    return found


def find_runtime(preference: str = "auto", fmt: str = TFLITE, model: str = "") -> Runtime:
    """The first importable runtime for ``fmt`` in priority order, or the one named."""
    if preference != "auto" and preference not in NAMES:
        raise ConfigError(f"MODEL_RUNTIME must be auto or one of {', '.join(NAMES)}, "
                          f"got {preference!r}")
    usable = [c for c in _CANDIDATES if c[4] == fmt]
    if preference != "auto" and preference not in (c[0] for c in usable):
        fits = ", ".join(c[0] for c in usable)
        raise ConfigError(f"MODEL_RUNTIME={preference} cannot load {model or 'this model'}, "
                          f"a {FORMAT_NAMES[fmt]} model; use auto or {fits}")
    tried: list[str] = []
    for name, module_name, attribute, distribution, _ in usable:
        if preference not in ("auto", name):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            tried.append(f"{distribution} ({exc.__class__.__name__})")
            continue
        found: Any = module
        for part in attribute.split("."):
            found = getattr(found, part)
        return Runtime(name, distribution, found, fmt)
    raise ConfigError(f"no {FORMAT_NAMES[fmt]} runtime is installed; tried " + ", ".join(tried)
                      + f". Install {_INSTALL[fmt]}.")
