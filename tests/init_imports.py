"""What a cold start must not import, with the reason for each, and the probes that list what
it does import: the init path (entry module imported, model loaded) plus one first request
with an uploaded photo, each in a fresh interpreter, beside the bare floor's own set.

The bare floor is what any Python classifier on this runtime imports: numpy, Pillow and LiteRT,
the model loaded, one photo decoded and resized by Pillow, one invoke. A forbidden module the
floor imports itself (on some Python or Pillow version) is no fault of ours and is allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PHOTO = ROOT / "samples" / "coat.jpg"
MODEL = ROOT / "models" / "clothing" / "model.tflite"

# Module (and its submodules) -> why the cold path of an upload must not import it.
FORBIDDEN: dict[str, str] = {
    "importlib.metadata": "reads every installed distribution's metadata (~10 ms, 2.5 MB); "
                          "versions come from the imported packages or GET /v2 asks lazily",
    "email": "pulled in by importlib.metadata and http.client; no e-mail parsing is needed",
    "http.client": "only the URL fetcher talks HTTP; an upload needs no client",
    "ssl": "a TLS context is for https image URLs, created with the fetcher on the first URL",
    "urllib3": "the https model reader's client (MODEL_URI=https://... only, ~30 ms); image "
               "URLs are fetched with http.client",
    "multipart": "multipart/form-data parsing, imported by the first multipart upload only",
    "python_multipart": "the same parser under its newer name",
    "waitress": "the local HTTP server, never part of a serverless function",
    "prometheus_client": "the local and container server's GET /metrics (METRICS=prometheus), "
                         "never part of a serverless function",
    "onnxruntime": "ONNX models only; a TFLite model runs on LiteRT",
    "ai_edge_litert": "TFLite models only; an ONNX model runs on ONNX Runtime",
    "tensorflow": "never at serving time: models are served by LiteRT or ONNX Runtime",
    "core.jobs": "classifying stored objects (storage and queue events) only; loaded by the "
                 "first such event",
    "boto3": "the S3 client, for storage events and MODEL_URI only (~150 ms)",
    "botocore": "boto3's core, the same",
    "aws_lambda_powertools": "not used: its batch utility alone imports ~150 modules",
    "concurrent.futures": "thread pools for URL batches and hashing; created on first use "
                          "or replaced by a plain thread",
    "socket": "the SIGTERM handler wakes on a pipe; sockets are the URL fetcher's",
    "uuid": "request ids are version-4 UUIDs made from os.urandom (uuid imports platform)",
    "random": "reseeded by SnapStart's restore hook, which imports it; nothing else draws",
    "shutil": "the model store's cache (MODEL_URI only), with tempfile, bz2 and lzma",
    "tempfile": "the model store's downloads (MODEL_URI only)",
    "core.modelstore": "MODEL_URI only: a packaged model is read from the task root",
    "core.api.openinference.codec": "the v2 protocol's wire codec, for the first /v2 request",
    "core.api.openinference.tensor_data": "the v2 codec's reading of tensor data, with it",
    "PIL.WebPImagePlugin": "the WebP decoder and libwebp, for the first WebP image",
    "aws_lambda.events.s3_notification": "a storage event's shape, imported by the first event "
                                         "with Records or source (an HTTP or direct one has "
                                         "neither)",
    "aws_lambda.events.eventbridge": "the same, for EventBridge's S3 events",
    "aws_lambda.events.sqs": "the same, for SQS batches",
    "core.pipeline.warmup": "the warm-up inference of SnapStart's before_snapshot hook only",
    "pathlib": "settings and model files are paths as text (core.paths): on Python 3.11 and "
               "3.12 pathlib imports urllib.parse, ipaddress, fnmatch and ntpath (~3 ms)",
    "urllib.parse": "URLs are split where a URL is handled (an event's path or query, a "
                    "logged URL, a fetch), never at init; it imports ipaddress",
    "ipaddress": "the URL policy's address checks and URL_ALLOWLIST's networks, loaded with "
                 "the first URL",
}

# Modules the floor imports that ours must not: Pillow's Image.open imports five decoders before
# it reads any data, ours only the one a picture's signature calls for (core.images.decoders).
BELOW_FLOOR: dict[str, str] = {
    name: f"the {fmt} decoder, imported by the first {fmt} picture; a JPEG upload needs none"
    for name, fmt in (("PIL.PngImagePlugin", "PNG"), ("PIL.GifImagePlugin", "GIF"),
                      ("PIL.BmpImagePlugin", "BMP"), ("PIL.PpmImagePlugin", "PPM"))
}

# Each entry module: its platform's framework, imported first (its modules count as floor), and
# the entry module's own import.
FRAMEWORKS = {"aws_lambda": "", "gcp_function": "import flask, functions_framework\n",
              "azure_function": "import azure.functions\n"}
IMPORTS = {"aws_lambda": f"sys.path.insert(0, {str(ROOT / 'aws_lambda')!r})\n"
                         "import lambda_function\n",
           "gcp_function": "from gcp_function import main\n",
           "azure_function": "from azure_function import function_app\n"}
ENTRIES = {entry: FRAMEWORKS[entry] + IMPORTS[entry] for entry in IMPORTS}

_REQUEST = """
import base64
event = {"image": base64.b64encode(open(PHOTO, "rb").read()).decode(), "top_k": 3}
""".replace("PHOTO", repr(str(PHOTO)))

# Each probe prints the sorted names in sys.modules as one JSON list, last line of stdout.
PROBES: dict[str, str] = {
    "bare": f"""
import io
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path={str(MODEL)!r}, num_threads=1)
it.allocate_tensors()
d = it.get_input_details()[0]
h, w = (int(n) for n in d["shape"][1:3])
with Image.open(io.BytesIO(open({str(PHOTO)!r}, "rb").read())) as p:
    px = np.asarray(p.convert("RGB").resize((w, h)))
it.set_tensor(d["index"], px[np.newaxis].astype(d["dtype"]))
it.invoke()
""",
}

# The same on an ONNX model (``modules(..., model=...)``): the floor is ONNX Runtime's own.
PROBES["bare_onnx"] = """
import io
import numpy as np
from PIL import Image
import onnxruntime as ort
options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(MODEL_PATH, options, providers=["CPUExecutionProvider"])
inp = session.get_inputs()[0]
h, w = inp.shape[2:4]
with Image.open(io.BytesIO(open(PHOTO, "rb").read())) as p:
    px = np.asarray(p.convert("RGB").resize((w, h)), dtype=np.float32)
session.run(None, {inp.name: px.transpose(2, 0, 1)[np.newaxis] / 255})
""".replace("PHOTO", repr(str(PHOTO)))
_SERVICE_REQUEST = _REQUEST + """
import json
from core.messages import Request
body = json.dumps(event).encode()
response = MODULE.service.handle(Request("POST", "/predict",
                                           {"content-type": "application/json"}, body=body))
assert response.status == 200, response.body
"""
PROBES["aws_lambda"] = IMPORTS["aws_lambda"] + _REQUEST + """
answer = lambda_function.lambda_handler(event, None)
assert answer and "error" not in answer, answer
"""
PROBES["aws_lambda_onnx"] = PROBES["aws_lambda"]
for _entry, _module in (("gcp_function", "main"), ("azure_function", "function_app")):
    PROBES[_entry] = FRAMEWORKS[_entry] + "SPLIT\n" + IMPORTS[_entry] + \
        _SERVICE_REQUEST.replace("MODULE", _module)


# The checkout, then the installed packages, without the site module (``-S``, as Lambda starts
# Python): site's .pth files would import modules (pathlib, urllib.parse) before the probe.
_PYTHONPATH = os.pathsep.join(dict.fromkeys(
    [str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]))


def modules(probe: str, model: Path | None = None) -> frozenset[str]:
    """The modules a fresh interpreter has imported after running ``PROBES[probe]``, serving
    ``model`` (``MODEL_PATH``) when given, else the default model.

    The code before a ``SPLIT`` line is the platform's own framework: its modules count as
    floor, the rest of the probe's are returned."""
    framework, _, code = PROBES[probe].rpartition("SPLIT\n")
    code = code.replace("MODEL_PATH", repr(str(model)))
    script = "import sys, json\n" + framework + "before = set(sys.modules)\n" + code + \
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    return frozenset(run(probe, script, model))


_LOADING = """
import gc, json, sys
loading = {}
def hook(event, args):
    if event == "import" and args[0] in ("numpy", "PIL.Image") and args[0] not in loading:
        frame, count = sys._getframe(), 0
        while frame is not None:
            count += frame.f_code.co_name == "_find_and_load"
            frame = frame.f_back
        loading[args[0]] = count
sys.addaudithook(hook)
"""


def init_state(entry: str) -> dict[str, Any]:
    """Importing ``ENTRIES[entry]`` in a fresh interpreter: ``loading``, for numpy and
    PIL.Image, how many module imports were in progress when each was first imported (1: only
    the entry module's own), and the collector's state once the import returned
    (``gc_enabled``, ``frozen``: gc.get_freeze_count())."""
    script = _LOADING + ENTRIES[entry] + 'print(json.dumps({"loading": loading, ' \
        '"gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))\n'
    found: dict[str, Any] = run(entry, script, None)
    return found


def run(probe: str, script: str, model: Path | None) -> Any:
    """The JSON that ``script`` prints last, run as a cold start runs (``-S``, the checkout on
    the path, ``MODEL_PATH=model`` when given)."""
    done = subprocess.run([sys.executable, "-S", "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": _PYTHONPATH,
                               "LOG_LEVEL": "WARNING",
                               **({"MODEL_PATH": str(model)} if model else {})})
    if done.returncode != 0:
        raise RuntimeError(f"probe {probe} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def forbidden(names: frozenset[str], floor: frozenset[str]) -> dict[str, str]:
    """The forbidden modules among ``names`` that ``floor`` lacks, each with its reason."""
    found: dict[str, str] = {}
    for name in sorted(names - floor):
        for banned, reason in FORBIDDEN.items():
            if name == banned or name.startswith(banned + "."):
                found[name] = reason
    return found
