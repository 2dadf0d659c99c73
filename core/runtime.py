"""Which TFLite interpreter to use: LiteRT first, then tflite-runtime, then tensorflow.lite."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from core.errors import ConfigError

# (setting name, module to import, path to the Interpreter class in it, distribution)
_CANDIDATES = (
    ("litert", "ai_edge_litert.interpreter", "Interpreter", "ai-edge-litert"),
    ("tflite_runtime", "tflite_runtime.interpreter", "Interpreter", "tflite-runtime"),
    ("tensorflow", "tensorflow", "lite.Interpreter", "tensorflow"),
)

MODULES = tuple(candidate[1] for candidate in _CANDIDATES)


@dataclass(frozen=True)
class Runtime:
    """An importable interpreter implementation."""

    name: str
    distribution: str
    interpreter_class: Any

    @property
    def version(self) -> str:
        """The installed distribution's version (read when first asked: importlib.metadata
        costs about 2.5 MB and 10 ms that the cold path does not need)."""
        return _version(self.distribution)

    def create(self, model_path: str, num_threads: int) -> Any:
        """A new interpreter on ``model_path`` with tensors allocated."""
        interpreter = self.interpreter_class(model_path=model_path, num_threads=num_threads)
        interpreter.allocate_tensors()
        return interpreter


@cache
def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def find_runtime(preference: str = "auto") -> Runtime:
    """The first importable runtime in priority order, or the one named by ``preference``."""
    names = [c[0] for c in _CANDIDATES]
    if preference != "auto" and preference not in names:
        raise ConfigError(f"MODEL_RUNTIME must be auto or one of {', '.join(names)}, "
                          f"got {preference!r}")
    tried: list[str] = []
    for name, module_name, attribute, distribution in _CANDIDATES:
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
        return Runtime(name, distribution, found)
    raise ConfigError("no TFLite runtime is installed; tried " + ", ".join(tried)
                      + ". Install ai-edge-litert.")
