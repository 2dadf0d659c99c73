"""The bare floor of the container cold start: the Lambda base, the runtime, the model.

Each bare image starts from the same base as ours and takes the runtime packages from our image
built for the same model (numpy, Pillow and LiteRT, or ONNX Runtime for an ONNX model, with what
they need and their bytecode), drops everything of ours (core/, aws_lambda/, the handler, the
models, the URL fetcher's and the form parser's packages) and adds the model and a handler that
does what any classifier of that runtime must: interpreter or session created at import; per
event, the base64 photo decoded and resized by Pillow, one run.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

LITERT = '''
import base64, io
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter

it = Interpreter(model_path="/var/task/bare.model", num_threads=1)
it.allocate_tensors()
INPUT, OUTPUT = it.get_input_details()[0], it.get_output_details()[0]
H, W = (int(n) for n in INPUT["shape"][1:3])


def handler(event, context):
    with Image.open(io.BytesIO(base64.b64decode(event["image"]))) as photo:
        pixels = np.asarray(photo.convert("RGB").resize((W, H)))
    it.set_tensor(INPUT["index"], pixels[np.newaxis].astype(INPUT["dtype"]))
    it.invoke()
    return {"scores": it.get_tensor(OUTPUT["index"])[0].tolist()}
'''
# NCHW with torch's mean/std, as benchmarks.cold_models' manifest says.
ONNX = '''
import base64, io
import numpy as np
from PIL import Image
import onnxruntime as ort

options = ort.SessionOptions()
options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
session = ort.InferenceSession("/var/task/bare.model", options,
                               providers=["CPUExecutionProvider"])
INPUT = session.get_inputs()[0]
H, W = INPUT.shape[2:4]


def handler(event, context):
    with Image.open(io.BytesIO(base64.b64decode(event["image"]))) as photo:
        pixels = np.asarray(photo.convert("RGB").resize((W, H)), dtype=np.float32)
    x = (pixels / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    out = session.run(None, {INPUT.name: x.transpose(2, 0, 1)[np.newaxis].astype(np.float32)})
    return {"scores": out[0][0].tolist()}
'''
HANDLERS = {"tflite": LITERT, "onnx": ONNX}
DOCKERFILE = """
FROM {ours} AS ours
FROM {base}
COPY --from=ours /var/task/ /var/task/
RUN cd /var/task && rm -rf core aws_lambda lambda_function.py models urllib3 urllib3-* \\
    multipart python_multipart python_multipart-* certifi certifi-*
COPY bare.model bare_function.py /var/task/
CMD ["bare_function.handler"]
"""


def model_format(model: Path) -> str:
    """``tflite`` when the file carries the TFLite identifier, else ``onnx``."""
    with model.open("rb") as handle:
        return "tflite" if handle.read(8)[4:8] == b"TFL3" else "onnx"


def build(ours: str, base: str, model: Path, tag: str) -> str:
    """``tag``, built from ``ours`` (its packages) on ``base`` with ``model``."""
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        (context / "bare.model").write_bytes(model.read_bytes())
        (context / "bare_function.py").write_text(HANDLERS[model_format(model)])
        (context / "Dockerfile").write_text(DOCKERFILE.format(ours=ours, base=base))
        # the classic builder, on the host's network (the engine here has no bridge)
        subprocess.run(["docker", "build", "-q", "--network", "host", "-t", tag, str(context)],
                       check=True, timeout=1800, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DOCKER_BUILDKIT": "0"})
    return tag
