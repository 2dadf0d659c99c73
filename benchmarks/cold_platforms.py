"""Cold start on Google Cloud Functions and Azure Functions: each bundle's first answer beside
the bare floor, interleaved.

From the bundles ``make bundle-gcp`` and ``make bundle-azure`` assemble (sources and model;
their packages come from .venv, as the platforms install requirements.txt), each round starts:

* ``gcp``: the real functions-framework server (``functions-framework --target predict
  --source main.py``, gunicorn) in the GCP bundle; the time runs from its start to the first
  answered ``POST /predict`` of a base64 photo over 127.0.0.1 (the client retries the connection
  every 2 ms until the server listens);
* ``azure``: a fresh Python that imports ``function_app`` (model loaded at import), indexes the
  app as the Python worker does (``app.get_functions()``) and calls the predict function with an
  ``azure.functions.HttpRequest`` of the same body: the Functions host (a .NET process) and its
  Python worker cannot run here, so their own start and the gRPC hop are not in the figure;
* ``bare``: numpy, Pillow and LiteRT imported, the same model loaded, the photo decoded and
  resized by Pillow, one invoke (``benchmarks.cold_zip``'s floor, in the same Python);
* each platform's own floor: the bare floor written as the smallest function of that platform
  (``@functions_framework.http`` served the same way; a one-route ``func.FunctionApp`` called
  the same way), which shows what the framework costs before any of our code.

Each figure is the whole process, seen from here: start to the answer. Medians in ms; writes
``docs/data/cold_platforms.json``.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.cold_zip import BARE, PHOTO
from benchmarks.common import ROOT, run_record, write_json

GCP, AZURE, FLOOR = "gcp: functions-framework", "azure: function app, no host", "bare"
GCP_FLOOR = "gcp floor: bare as a framework function"
AZURE_FLOOR = "azure floor: bare as a function app"
FLOOR_FUNCTION = """
import base64, io, json
import numpy as np
from PIL import Image
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=MODEL, num_threads=1)
it.allocate_tensors()
d = it.get_input_details()[0]
h, w = (int(n) for n in d["shape"][1:3])

def bare(body):
    with Image.open(io.BytesIO(base64.b64decode(json.loads(body)["image"]))) as p:
        px = np.asarray(p.convert("RGB").resize((w, h)))
    it.set_tensor(d["index"], px[np.newaxis].astype(d["dtype"]))
    it.invoke()
    return json.dumps(it.get_tensor(it.get_output_details()[0]["index"])[0].tolist())
"""
GCP_FLOOR_SOURCE = FLOOR_FUNCTION + """
import functions_framework
@functions_framework.http
def predict(request):
    return bare(request.get_data())
"""
AZURE_FLOOR_CODE = """
import time; t0 = time.perf_counter()
import json, sys
import azure.functions as func
""" + FLOOR_FUNCTION + """
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
@app.route(route="predict", methods=["POST"])
def predict(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(bare(req.get_body()), mimetype="application/json")
functions = {f.get_function_name(): f for f in app.get_functions()}
t1 = time.perf_counter()
request = func.HttpRequest("POST", "http://localhost:7071/api/predict", params={},
                           headers={"content-type": "application/json"},
                           body=open(EVENT, "rb").read())
response = functions["predict"].get_user_function()(request)
t2 = time.perf_counter()
print(json.dumps({"init": t1 - t0, "answer": t2 - t0, "ok": response.status_code == 200}),
      flush=True)
"""
AZURE_CODE = """
import time; t0 = time.perf_counter()
import json, sys; sys.path.insert(0, ROOT)
import function_app
import azure.functions as func
functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
t1 = time.perf_counter()
request = func.HttpRequest("POST", "http://localhost:7071/api/predict", params={},
                           headers={"content-type": "application/json"},
                           body=open(EVENT, "rb").read())
response = functions["predict"].get_user_function()(request, None)
t2 = time.perf_counter()
print(json.dumps({"init": t1 - t0, "answer": t2 - t0, "ok": response.status_code == 200}),
      flush=True)
"""
STARTUP_SECONDS = 120.0


def environment() -> dict[str, str]:
    """A small, fixed environment for every child (the venv's scripts on PATH)."""
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LOG_LEVEL": "WARNING",
            "MODEL_THREADS": "1", "LANG": "C.UTF-8"}


def script(code: str, cwd: Path) -> float:
    """Start to answer line of one fresh ``python -I -c code``, in ms."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-I", "-c", code], cwd=cwd, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=environment())
    assert child.stdout is not None
    line = child.stdout.readline()
    whole = time.perf_counter() - started
    child.wait(timeout=60)
    if not line or not json.loads(line)["ok"]:
        raise RuntimeError(f"the cold run in {cwd} failed: {line!r}")
    return round(whole * 1000, 1)


def first_answer(port: int, body: bytes, deadline: float) -> int:
    """POST /predict on 127.0.0.1:port as soon as the server accepts; the status."""
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", "/predict", body=body,
                               headers={"Content-Type": "application/json"})
            return connection.getresponse().status
        except ConnectionRefusedError:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.002)
        finally:
            connection.close()


def server(bundle: Path, body: bytes, port: int) -> float:
    """Start of functions-framework to its first answered POST, in ms."""
    cli = Path(sys.executable).parent / "functions-framework"
    started = time.perf_counter()
    child = subprocess.Popen([str(cli), "--target", "predict", "--source", "main.py",
                              "--host", "127.0.0.1", "--port", str(port)], cwd=bundle,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=environment(), start_new_session=True)
    try:
        status = first_answer(port, body, started + STARTUP_SECONDS)
        whole = time.perf_counter() - started
    finally:
        os.killpg(child.pid, signal.SIGTERM)  # the server and its gunicorn worker
        child.wait(timeout=30)
    if status != 200:
        raise RuntimeError(f"functions-framework answered {status}")
    return round(whole * 1000, 1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(gcp: Path, azure: Path, work: Path, runs: int) -> dict[str, Any]:
    """Interleaved rounds of gcp, azure and bare; medians and every run, in ms."""
    body = json.dumps({"image": base64.b64encode(PHOTO.read_bytes()).decode()}).encode()
    event = work / "event.json"
    event.write_bytes(body)
    model = next(azure.glob("models/**/*.tflite"))
    values = {"ROOT": repr(str(azure)), "EVENT": repr(str(event)), "MODEL": repr(str(model))}
    codes = {AZURE: AZURE_CODE, FLOOR: BARE, AZURE_FLOOR: AZURE_FLOOR_CODE,
             GCP_FLOOR: GCP_FLOOR_SOURCE}
    for key, value in values.items():
        codes = {name: code.replace(key, value) for name, code in codes.items()}
    floor_app = work / "gcp-floor"
    floor_app.mkdir(exist_ok=True)
    (floor_app / "main.py").write_text(codes[GCP_FLOOR])
    kinds: dict[str, Callable[[], float]] = {GCP: lambda: server(gcp, body, free_port()),
             GCP_FLOOR: lambda: server(floor_app, body, free_port()),
             AZURE: lambda: script(codes[AZURE], azure),
             AZURE_FLOOR: lambda: script(codes[AZURE_FLOOR], azure),
             FLOOR: lambda: script(codes[FLOOR], azure)}
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(runs):
        for name, run in kinds.items():
            samples[name].append(run())
    return {"medians_ms": {name: round(statistics.median(v), 1) for name, v in samples.items()},
            "runs_ms": samples}


def markdown(record: dict[str, Any]) -> str:
    """The docs' table: each first answer over the bare floor and over its platform's floor."""
    medians = record["medians_ms"]
    bare = medians[FLOOR]
    rows = [f"| {record['date']}, {record['cpus']} CPUs, load {record['load'][0]} "
            "| start to first answer | over bare | over the platform's floor |",
            "|---|---:|---:|---:|"]
    for name, floor in ((GCP, GCP_FLOOR), (GCP_FLOOR, None), (AZURE, AZURE_FLOOR),
                        (AZURE_FLOOR, None), (FLOOR, None)):
        value = medians[name]
        own = (f"{round(value - medians[floor], 1):+} ms ({value / medians[floor]:.2f}x)"
               if floor else "")
        rows.append(f"| {name} | {value} ms | {round(value - bare, 1):+} ms "
                    f"({value / bare:.2f}x) | {own} |")
    rows += ["", f"Medians of {record['runs']} interleaved runs each, default model, "
             f"`MODEL_THREADS=1`, Python {record['python']}."]
    return "\n".join(rows)


def document(data: Path) -> str:
    """The docs' block, from docs/data/cold_platforms.json."""
    path = data / "cold_platforms.json"
    if not path.exists():
        return "Not measured yet: run `make bench-platforms`."
    return markdown(json.loads(path.read_text()))


def main() -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_platforms")
    parser.add_argument("--gcp", type=Path, default=ROOT / "build" / "gcp_function")
    parser.add_argument("--azure", type=Path, default=ROOT / "build" / "azure_function")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "docs" / "data" / "cold_platforms.json")
    args = parser.parse_args()
    work = ROOT / "build" / "bench" / "cold-platforms"
    work.mkdir(parents=True, exist_ok=True)
    record = {**run_record(args.runs), "python": ".".join(map(str, sys.version_info[:2])),
              **measure(args.gcp, args.azure, work, args.runs)}
    write_json(args.out, record)
    print(markdown(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
