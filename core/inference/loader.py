"""Loading a model: its manifest and labels resolved, the runtime chosen by the file, checked.

The file's first bytes decide: a TFLite flatbuffer runs on LiteRT (``core.inference.litert``),
an ONNX model on ONNX Runtime (``core.inference.onnx_runtime``); each module is imported only
for its own format, so a TFLite deployment never loads ONNX's and an ONNX one not LiteRT's.
"""

from __future__ import annotations

import time
from typing import Any

from core.errors import ConfigError
from core.inference.background import Background
from core.inference.classifier import Classifier
from core.inference.external_data import identity, sidecars
from core.inference.model_files import resolve_spec
from core.inference.runtimes import ONNX, find_runtime, model_format
from core.paths import StrPath, name


def load_classifier(model_path: StrPath, *, manifest_path: StrPath | None = None,
                    labels: tuple[str, ...] | list[str] | None = None,
                    threads: int | None = None, runtime: str = "auto",
                    wait_for_hash: bool = True, **overrides: Any) -> Classifier:
    """Load a model, its manifest (or labels) and check that they agree.

    With ``wait_for_hash`` the files' sha256 is read on a second thread while the runtime
    loads them, and the load waits for it (a manifest naming another sha256 raises ConfigError
    here). Without, nothing is hashed yet: ``Classifier.start_hash`` starts it at the lowest
    CPU priority (the service does after its first answer), ``sha256`` waits for it, and once
    it has shown another file than the manifest's, ``predict`` refuses."""
    path, manifest, manifest_file = resolve_spec(model_path, manifest_path, labels, overrides)
    fmt = model_format(path)
    rt = find_runtime(runtime, fmt, name(path))
    found = sidecars(path) if fmt == ONNX else ()  # a missing or escaping one stops here
    # 0.33 s for the 84 MB Xception here, which a service's cold start does not wait for
    hashing = Background(checked_identity, path, found, manifest.sha256,
                         idle=not wait_for_hash, start=wait_for_hash)
    started = time.perf_counter()
    try:
        if fmt == ONNX:
            from core.inference.onnx_runtime import OnnxClassifier

            classifier: Classifier = OnnxClassifier.open(path, rt, manifest, threads or 1)
        else:
            from core.inference.litert import TFLiteClassifier  # as ONNX's: its format only

            classifier = TFLiteClassifier.open(path, rt, manifest, threads or 1)
        created = time.perf_counter()
        classifier._hashing = hashing
        classifier.sidecars = found
        classifier.manifest_file = manifest_file
        classifier.given = frozenset(k for k, v in overrides.items() if v is not None)
        classifier.check()
    finally:
        if wait_for_hash:
            hashing.join()
    classifier.load_ms = {"create_ms": round((created - started) * 1000, 1)}
    if wait_for_hash:
        hashing.result()  # raises the mismatch
        classifier.load_ms["hash_ms"] = classifier.hash_ms or 0.0
    return classifier


def checked_identity(path: str, found: tuple[str, ...], expected: str) -> str:
    """The model's identity (``external_data.identity``); ConfigError when the manifest
    names another sha256."""
    digest = identity(path, found)
    if expected and digest != expected:
        files = " + ".join((name(path), *found))
        raise ConfigError(
            f"model {files} has sha256 {digest}, which does not match its manifest's "
            f"{expected}: the manifest was written for other weights (another model, or an "
            "older export); convert again, or correct or remove the manifest's sha256")
    return digest
