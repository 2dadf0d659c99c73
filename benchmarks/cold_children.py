"""The fresh processes of ``benchmarks.cold_zip``: ours, the bare floors, the course's handler.

Each is a ``python3 -I -S -c`` program run in the unzipped bundle (ROOT on sys.path, as Lambda
starts a zip function). It takes the time before its first import (t0), after its init (model
or session loaded: t1) and after its first answer (t2), and prints one JSON line with
``init`` (t1 - t0), ``answer`` (t2 - t0), ``cpu`` (the process's CPU time at its answer,
user + system, from exec: steadier than wall time on a loaded machine) and ``ok``. ROOT,
EVENT, MODEL and URL are replaced by the parent with string literals.
"""

from __future__ import annotations

_HEAD = """
import time; t0 = time.perf_counter()
import json, sys; sys.path.insert(0, ROOT)
"""
_TAIL = """
t2 = time.perf_counter()
import resource; use = resource.getrusage(resource.RUSAGE_SELF)  # every thread's, from exec
cpu = use.ru_utime + use.ru_stime
print(json.dumps({"init": t1 - t0, "answer": t2 - t0, "cpu": cpu, "ok": OK}), flush=True)
"""

# ours: the zip's handler module (model loaded at import), then one event (upload or URL).
OURS = _HEAD + """
import lambda_function
t1 = time.perf_counter()
event = json.load(open(EVENT))
answer = lambda_function.lambda_handler(event, None)
""" + _TAIL.replace("OK", '"error" not in answer')

# bare LiteRT: imports, interpreter, Pillow decode and resize, one invoke.
BARE = _HEAD + """
import base64, io
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=MODEL, num_threads=1)
it.allocate_tensors()
t1 = time.perf_counter()
event = json.load(open(EVENT))
d = it.get_input_details()[0]
h, w = (int(n) for n in d["shape"][1:3])
with Image.open(io.BytesIO(base64.b64decode(event["image"]))) as p:
    px = np.asarray(p.convert("RGB").resize((w, h)))
it.set_tensor(d["index"], px[np.newaxis].astype(d["dtype"]))
it.invoke()
out = it.get_tensor(it.get_output_details()[0]["index"])
""" + _TAIL.replace("OK", "bool(out.size)")

# bare ONNX Runtime: imports, session (one thread, as ours with MODEL_THREADS=1), Pillow decode
# and resize, the float NCHW tensor the model takes (torch mean/std), one run.
BARE_ORT = _HEAD + """
import base64, io
import numpy as np
from PIL import Image
import onnxruntime as ort
options = ort.SessionOptions()
options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
session = ort.InferenceSession(MODEL, options, providers=["CPUExecutionProvider"])
t1 = time.perf_counter()
event = json.load(open(EVENT))
inp = session.get_inputs()[0]
h, w = inp.shape[2:4]
with Image.open(io.BytesIO(base64.b64decode(event["image"]))) as p:
    px = np.asarray(p.convert("RGB").resize((w, h)), dtype=np.float32)
x = (px / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
out = session.run(None, {inp.name: x.transpose(2, 0, 1)[np.newaxis].astype(np.float32)})[0]
""" + _TAIL.replace("OK", "bool(out.size)")

# The course's 2025 handler, as its lesson writes it: a default ONNX Runtime session at import,
# urllib download, Pillow (nearest resize), numpy mean/std, one run, the sigmoid's score.
COURSE = _HEAD + """
from io import BytesIO
from urllib import request
import numpy as np
import onnxruntime as ort
from PIL import Image
session = ort.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name
output_name = session.get_outputs()[0].name
t1 = time.perf_counter()

def download_image(url):
    with request.urlopen(url) as resp:
        buffer = resp.read()
    return Image.open(BytesIO(buffer))

def prepare_image(img, target_size):
    if img.mode != "RGB":
        img = img.convert("RGB")
    return img.resize(target_size, Image.NEAREST)

def preprocess(img):
    x = np.array(img, dtype="float32") / 255.0
    mean = np.array([0.485, 0.456, 0.406], dtype="float32")
    std = np.array([0.229, 0.224, 0.225], dtype="float32")
    x = (x - mean) / std
    return x.transpose(2, 0, 1)[np.newaxis].astype("float32")

def lambda_handler(event, context):
    img = prepare_image(download_image(event["url"]), (200, 200))
    result = session.run([output_name], {input_name: preprocess(img)})[0]
    return {"prediction": float(result[0][0])}

answer = lambda_handler({"url": URL}, None)
""" + _TAIL.replace("OK", '"prediction" in answer')
