"""A faithful re-implementation of the lesson's reference handler, instrumented, as a worker.

Runs in its own virtual environment (``build/venv-reference``: tflite-runtime 2.14, numpy<2,
Pillow, keras-image-helper) with ``--backend tflite``, or in the project's .venv with
``--backend tf`` (full TensorFlow, ``model.predict`` on the Keras model, same preprocessing;
keras-image-helper comes from ``build/bench/kih``). Imports nothing from this repository.

The handler is the lesson's: ``preprocessor.from_url(url)`` (urlopen, PIL open, convert RGB,
resize NEAREST to 299x299, float32, x/127.5-1), ``set_tensor``, ``invoke``, ``get_tensor``,
``dict(zip(classes, preds[0].tolist()))``. With ``"split": true`` the same steps run one by one
with a clock between them (fetch, decode, resize, inference, other) for the chart.

Protocol: one JSON line out when ready, then one JSON line out per ``{"url": ...}`` line in.
``--cold URL`` instead times start-up to the first answer and prints it with the peak RSS.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from io import BytesIO
from typing import Any

CLASSES = ["dress", "hat", "longsleeve", "outwear", "pants", "shirt", "shoes", "shorts",
           "skirt", "t-shirt"]


class Reference:
    """The lesson's handler with either runtime."""

    def __init__(self, backend: str, model_path: str, threads: int) -> None:
        helper: Any = importlib.import_module("keras_image_helper")
        self.preprocessor = helper.create_preprocessor("xception", target_size=(299, 299))
        self.backend = backend
        if backend == "tf":
            keras: Any = importlib.import_module("keras")
            self.model = keras.models.load_model(model_path)
        else:
            tflite: Any = importlib.import_module("tflite_runtime.interpreter")
            options = {"num_threads": threads} if threads > 0 else {}  # the lesson sets none
            self.interpreter = tflite.Interpreter(model_path=model_path, **options)
            self.interpreter.allocate_tensors()
            self.input_index = self.interpreter.get_input_details()[0]["index"]
            self.output_index = self.interpreter.get_output_details()[0]["index"]

    def infer(self, x: Any) -> Any:
        """The model's scores for one preprocessed batch."""
        if self.backend == "tf":
            return self.model.predict(x, verbose=0)
        self.interpreter.set_tensor(self.input_index, x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output_index)

    def predict(self, url: str) -> dict[str, float]:
        """The lesson's handler body, verbatim in effect."""
        x = self.preprocessor.from_url(url)
        preds = self.infer(x)
        float_predictions = preds[0].tolist()
        return dict(zip(CLASSES, float_predictions, strict=True))

    def predict_split(self, url: str) -> tuple[dict[str, float], dict[str, float]]:
        """The same steps, timed one by one (seconds)."""
        from urllib import request  # imported here so that cold starts count it

        from PIL import Image

        parts: dict[str, float] = {}
        t0 = time.perf_counter()
        with request.urlopen(url) as resp:
            buffer = resp.read()
        t1 = time.perf_counter()
        img = Image.open(BytesIO(buffer))
        img.load()  # from_url leaves decoding to the resize; done here to time it apart
        t2 = time.perf_counter()
        x = self.preprocessor.convert_to_tensor(img)
        t3 = time.perf_counter()
        preds = self.infer(x)
        t4 = time.perf_counter()
        answer = dict(zip(CLASSES, preds[0].tolist(), strict=True))
        t5 = time.perf_counter()
        parts.update(fetch=t1 - t0, decode=t2 - t1, resize=t3 - t2, inference=t4 - t3,
                     other=t5 - t4)
        return answer, parts


def peak_rss_mb() -> float:
    """VmHWM of this process in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def loop(app: Reference) -> None:
    """Answer JSON lines until stdin closes."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        started = time.perf_counter()
        if message.get("split"):
            answer, parts = app.predict_split(message["url"])
        else:
            answer, parts = app.predict(message["url"]), {}
        ms = (time.perf_counter() - started) * 1000
        print(json.dumps({"ms": ms, "parts": {k: v * 1000 for k, v in parts.items()},
                          "answer": answer}), flush=True)


def main() -> int:
    """Serve the loop, or time one cold start."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("tflite", "tf"), default="tflite")
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=0, help="0: the runtime's default")
    parser.add_argument("--cold", metavar="URL")
    args = parser.parse_args()
    started = time.perf_counter()
    app = Reference(args.backend, args.model, args.threads)
    if args.cold:
        answer = app.predict(args.cold)
        print(json.dumps({"cold_s": time.perf_counter() - started, "rss_mb": peak_rss_mb(),
                          "answer": answer}), flush=True)
        return 0
    loop(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
