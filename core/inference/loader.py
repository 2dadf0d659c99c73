"""Loading a model: its manifest and labels resolved, the runtime chosen by the file, checked.

The file's first bytes decide: a TFLite flatbuffer runs on LiteRT (``core.inference.litert``),
an ONNX model on ONNX Runtime (``core.inference.onnx_runtime``, imported only for ONNX files so
a TFLite deployment never loads it).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from core.inference.background import Background
from core.inference.classifier import Classifier
from core.inference.external_data import identity, sidecars
from core.inference.litert import TFLiteClassifier
from core.inference.model_files import resolve_spec
from core.inference.runtimes import ONNX, find_runtime, model_format


def load_classifier(model_path: str | Path, *, manifest_path: str | Path | None = None,
                    labels: tuple[str, ...] | list[str] | None = None,
                    threads: int | None = None, runtime: str = "auto",
                    **overrides: Any) -> Classifier:
    """Load a model, its manifest (or labels) and check that they agree."""
    path, manifest, manifest_file = resolve_spec(Path(model_path), manifest_path, labels,
                                                 overrides)
    fmt = model_format(path)
    rt = find_runtime(runtime, fmt, path.name)
    found = sidecars(path) if fmt == ONNX else ()  # a missing or escaping one stops here
    # The files' sha256 is read on a second thread while the runtime loads them: 0.33 s for
    # the 84 MB Xception here, which the cold start then does not wait for.
    hashing = Background(identity, path, found, name="sha256")
    started = time.perf_counter()
    try:
        if fmt == ONNX:
            from core.inference.onnx_runtime import OnnxClassifier

            classifier: Classifier = OnnxClassifier.open(path, rt, manifest, threads or 1)
        else:
            classifier = TFLiteClassifier.open(path, rt, manifest, threads or 1)
        created = time.perf_counter()
        classifier._hashing = hashing
        classifier.sidecars = found
        classifier.manifest_file = manifest_file
        classifier.given = frozenset(k for k, v in overrides.items() if v is not None)
        classifier.check()
    finally:
        hashing.join()
    classifier.load_ms = {"create_ms": round((created - started) * 1000, 1),
                          "hash_ms": round(hashing.seconds * 1000, 1)}
    return classifier
