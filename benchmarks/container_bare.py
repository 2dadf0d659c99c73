"""The bare floor of the container cold start: the Lambda base, the runtime, the model.

The image starts from the same base as ours and takes the same runtime packages from our built
image (numpy, Pillow, LiteRT and what they need, with their bytecode), drops everything of ours
(core/, aws_lambda/, the handler, the URL fetcher's packages) and adds the model and a handler
that does what any LiteRT classifier must: interpreter created at import; per event, the base64
photo decoded and resized by Pillow, one invoke.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import ROOT

TAG = "classifier-lambda:bench-bare-x86_64"
MODEL = ROOT / "models" / "clothing" / "model.tflite"
HANDLER = '''
import base64, io
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter

it = Interpreter(model_path="/var/task/model.tflite", num_threads=1)
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
DOCKERFILE = """
FROM {ours} AS ours
FROM {base}
COPY --from=ours /var/task/ /var/task/
RUN cd /var/task && rm -rf core aws_lambda lambda_function.py models urllib3 urllib3-* \\
    multipart python_multipart python_multipart-* certifi certifi-*
COPY model.tflite bare_function.py /var/task/
CMD ["bare_function.handler"]
"""


def build(ours: str, base: str) -> str:
    """The bare image's tag, built from ``ours`` (its packages) on ``base``."""
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        (context / "model.tflite").write_bytes(MODEL.read_bytes())
        (context / "bare_function.py").write_text(HANDLER)
        (context / "Dockerfile").write_text(DOCKERFILE.format(ours=ours, base=base))
        # the classic builder, on the host's network (the engine here has no bridge)
        subprocess.run(["docker", "build", "-q", "--network", "host", "-t", TAG, str(context)],
                       check=True, timeout=1800, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DOCKER_BUILDKIT": "0"})
    return TAG
