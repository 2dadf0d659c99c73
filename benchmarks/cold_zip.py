"""Cold start in the Lambda zip's own layout: ours beside the bare floor, interleaved.

The zip (``make bundle-aws``) is unzipped and each run is a fresh ``python3 -I -S`` with the
task root on sys.path, as Lambda's managed runtime starts it. ``ours`` imports
``lambda_function`` (model loaded at import) and answers one base64 upload; ``bare`` imports
numpy, Pillow and LiteRT from the same folder, loads the same model, decodes and resizes the
same photo with Pillow and invokes once. Each child reports the time from before its first
import to its init and to its answer; the parent records the whole process (exec to the
answer line). Writes ``docs/data/cold_zip.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

PHOTO = ROOT / "samples" / "coat.jpg"
OURS = """
import time; t0 = time.perf_counter()
import json, sys; sys.path.insert(0, ROOT)
import lambda_function
t1 = time.perf_counter()
event = json.load(open(EVENT))
answer = lambda_function.lambda_handler(event, None)
t2 = time.perf_counter()
print(json.dumps({"init": t1 - t0, "answer": t2 - t0, "ok": "error" not in answer}), flush=True)
"""
BARE = """
import time; t0 = time.perf_counter()
import json, sys; sys.path.insert(0, ROOT)
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
t2 = time.perf_counter()
print(json.dumps({"init": t1 - t0, "answer": t2 - t0, "ok": bool(out.size)}), flush=True)
"""


def once(python: str, code: str, cwd: Path) -> dict[str, Any]:
    """One fresh process; ``whole`` is exec to its answer line, seen from here."""
    started = time.perf_counter()
    child = subprocess.Popen([python, "-I", "-S", "-c", code], cwd=cwd, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING",
                                  "MODEL_THREADS": "1", "LANG": "C.UTF-8"})
    assert child.stdout is not None
    line = child.stdout.readline()
    whole = time.perf_counter() - started
    child.wait(timeout=60)
    report: dict[str, Any] = json.loads(line)
    if not report.pop("ok"):
        raise RuntimeError(f"the cold run failed: {line}")
    return {key: round(value * 1000, 1) for key, value in {**report, "whole": whole}.items()}


def measure(zip_path: Path, work: Path, python: str, runs: int) -> dict[str, Any]:
    """Interleaved ours/bare runs in the unzipped bundle; medians in ms."""
    root = work / "task"
    shutil.rmtree(root, ignore_errors=True)  # always the zip just built
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root)
    event = work / "event.json"
    event.write_text(json.dumps({"image": base64.b64encode(PHOTO.read_bytes()).decode()}))
    model = next(root.glob("models/**/*.tflite"))
    values = {"ROOT": repr(str(root)), "EVENT": repr(str(event)), "MODEL": repr(str(model))}
    codes = {name: code for name, code in (("ours", OURS), ("bare", BARE))}
    for name, code in codes.items():
        for key, value in values.items():
            code = code.replace(key, value)
        codes[name] = code
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in codes}
    for _ in range(runs):
        for name, code in codes.items():
            samples[name].append(once(python, code, root))
    return {name: {key: round(statistics.median(run[key] for run in runs_), 1)
                   for key in ("init", "answer", "whole")}
            for name, runs_ in samples.items()}


def main() -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_zip")
    parser.add_argument("--zip", type=Path, default=ROOT / "build" / "aws_lambda.zip")
    parser.add_argument("--python", default="python3", help="the zip's Python (LAMBDA_PYTHON)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "data" / "cold_zip.json")
    args = parser.parse_args()
    work = ROOT / "build" / "bench" / "cold-zip"
    work.mkdir(parents=True, exist_ok=True)
    medians = measure(args.zip, work, args.python, args.runs)
    record = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": args.runs,
              "load": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
              "python": args.python, "medians_ms": medians,
              "whole_over_bare_ms": round(medians["ours"]["whole"] - medians["bare"]["whole"], 1)}
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
