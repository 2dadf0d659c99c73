"""One measured process: ``python -m benchmarks.onnx_worker bare|ours MODEL SPAWNED PHOTOS...``.

``bare``: the runtime alone (``onnxruntime.InferenceSession`` or LiteRT's ``Interpreter``, the
same threads), fed tensors prepared beforehand, as the lesson's handler would run them.
``ours``: ``aws_lambda.lambda_function`` (the model loads at import, Lambda's init phase), then
the handler answers each photo's bytes. Prints one JSON line: cold start (seconds from the
parent's spawn to the first answer), per-photo milliseconds, peak RSS.
"""

from __future__ import annotations

import time

STARTED = time.time()

import base64  # noqa: E402 - the clock above starts before any import
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def _bare_session(model: Path, threads: int) -> Any:
    if model.suffix == ".onnx":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return lambda x: session.run(None, {name: x})[0]
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model), num_threads=threads)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]["index"]
    out = interpreter.get_output_details()[0]["index"]

    def run(x: Any) -> Any:
        interpreter.set_tensor(inp, x)
        interpreter.invoke()
        return interpreter.get_tensor(out)
    return run


def bare(model: Path, photos: list[Path], spawned: float) -> dict[str, Any]:
    """The photos arrive as one prepared tensor file (``photos[0]``, written by the parent
    with the service's own decode and resize); NumPy's import is on the clock, Pillow's not."""
    import numpy as np

    batch = np.load(photos[0])
    tensors = [batch[i:i + 1] for i in range(len(batch))]
    run = _bare_session(model, int(os.environ.get("MODEL_THREADS", "2")))
    run(tensors[0])
    cold = time.time() - spawned
    times = []
    for x in tensors * 2:
        start = time.perf_counter()
        run(x)
        times.append((time.perf_counter() - start) * 1000)
    return {"cold_s": cold, "ms": times}


def ours(model: Path, photos: list[Path], spawned: float) -> dict[str, Any]:
    os.environ["MODEL_PATH"] = str(model)
    bodies = [base64.b64encode(p.read_bytes()).decode() for p in photos]
    from aws_lambda.lambda_function import lambda_handler

    lambda_handler({"image": bodies[0]}, None)
    cold = time.time() - spawned
    times = []
    for body in bodies * 2:
        start = time.perf_counter()
        lambda_handler({"image": body}, None)
        times.append((time.perf_counter() - start) * 1000)
    return {"cold_s": cold, "ms": times}


def main() -> None:
    mode, model, spawned = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    photos = [Path(p) for p in sys.argv[4:]]
    result = (bare if mode == "bare" else ours)(model, photos, spawned)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
