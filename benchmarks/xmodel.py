"""The lesson's Xception (random weights, seed 0) as Keras and float32 TFLite, cached in build/.

``python -m benchmarks.xmodel`` writes ``build/bench/perf/xception.tflite`` and its manifest
``xception.json``. The Keras file is ``benchmarks.convert_xception.build_model``'s (the same
architecture: Xception(weights=None, include_top=False, 299x299) + GlobalAveragePooling2D +
Dense(100, relu) + Dropout(0.2) + Dense(10)), so both benchmarks measure one model.

The manifest is the one a production user of the lesson's model would pick: ``xception``
normalisation and ``nearest`` resize, as the model was trained (Keras' ``load_img`` and
``ImageDataGenerator`` resize with nearest by default), and JPEG draft decoding on, which only
changes anything for photos at least twice the input size (it decodes 12-MP photos at 1/8).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import OUT, WORK

KERAS = OUT / "xception.keras"
TFLITE = WORK / "xception.tflite"
MANIFEST = WORK / "xception.json"
LABELS = ["dress", "hat", "longsleeve", "outwear", "pants", "shirt", "shoes", "shorts",
          "skirt", "t-shirt"]


def convert(model: Any, tf: Any) -> bytes:
    """Float32 TFLite bytes (no optimisation: the lesson's conversion).

    Through a SavedModel: ``TFLiteConverter.from_keras_model`` on this Keras 3 model gives a
    graph whose answers differ from ``model.predict`` (checked below), the export does not.
    """
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        model.export(tmp, format="tf_saved_model", verbose=False)
        data: bytes = tf.lite.TFLiteConverter.from_saved_model(tmp).convert()
    return data


def check_parity(model: Any, path: Path, tolerance: float = 1e-3) -> float:
    """Max |Keras - TFLite| on one random input; raises when above ``tolerance``."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    x = np.random.default_rng(0).uniform(-1, 1, (1, 299, 299, 3)).astype(np.float32)
    interpreter: Any = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    diff = float(np.max(np.abs(model.predict(x, verbose=0) - got)))
    if diff > tolerance:
        path.unlink()
        raise SystemExit(f"converted model disagrees with Keras by {diff}")
    return diff


def manifest(path: Path) -> dict[str, Any]:
    """Our manifest for the converted file."""
    from core.inference.manifest import sha256_of

    return {"format": 1, "name": "lesson-xception-random", "version": "seed0",
            "file": path.name, "sha256": sha256_of(path), "labels": LABELS,
            "input": {"height": 299, "width": 299, "color": "RGB", "layout": "NHWC"},
            "preprocessing": {"resize": "nearest", "normalization": "xception", "draft": True},
            "output": "logits"}


def ensure() -> Path:
    """Build whatever is missing; the .tflite path."""
    if not KERAS.is_file():
        from benchmarks.convert_xception import build_model

        build_model(KERAS)
    if not TFLITE.is_file():
        from convert import backend

        tf = backend.tensorflow()
        keras = backend.keras3()
        model = keras.models.load_model(str(KERAS))
        TFLITE.parent.mkdir(parents=True, exist_ok=True)
        TFLITE.write_bytes(convert(model, tf))
        check_parity(model, TFLITE)
    if not MANIFEST.is_file():
        MANIFEST.write_text(json.dumps(manifest(TFLITE), indent=2) + "\n", encoding="utf-8")
    return TFLITE


if __name__ == "__main__":
    print(ensure())
