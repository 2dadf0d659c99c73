"""Cold start in the Lambda zip's own layout: ours beside the bare floor, interleaved.

Each zip (``scripts/bundle_aws.py``, the one ``make bundle-aws`` builds and one per other model)
is unzipped and each run is a fresh ``python3 -I -S`` with the task root on sys.path, as
Lambda's managed runtime starts it. Four pairs, all interleaved in one run (ours and its floor
alternate, the order flipping every round):

* ``default``: ours (``import lambda_function``, one base64 upload) against LiteRT bare
  (numpy, Pillow and LiteRT imported, the model loaded, Pillow decode and resize, one invoke);
* ``onnx``: the same on an ONNX MobileNetV2 (``benchmarks.cold_models``) against ONNX Runtime
  bare (imports, session, Pillow decode and resize, one run);
* ``xception``: the lesson's Xception (84 MB; ``benchmarks.xmodel`` or ../shared) against
  LiteRT bare, when the model is there;
* ``course2025``: ours on the ONNX zip fetching the photo by URL from a server on 127.0.0.1,
  against the course's 2025 handler on the same model and URL (``benchmarks.cold_children``).

Each child reports the time from before its first import to its init and to its answer; the
parent records the whole process (exec to the answer line). Writes ``docs/data/cold_zip.json``.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import cold_children, cold_models
from benchmarks.common import ROOT, load_average, run_record, write_json
from benchmarks.imageserver import Handler

PHOTO = ROOT / "samples" / "coat.jpg"
OURS, BARE = cold_children.OURS, cold_children.BARE
# kind -> (its zip, ours's event, the floor's program); goals are in ``judge``.
KINDS = {"default": ("default", "upload", cold_children.BARE),
         "onnx": ("onnx", "upload", cold_children.BARE_ORT),
         "xception": ("xception", "upload", cold_children.BARE),
         "course2025": ("onnx", "url", cold_children.COURSE)}
GOALS = {"default": "bare + 20 ms", "onnx": "bare + 20 ms", "xception": "bare + 5 %",
         "course2025": "not slower than the course's handler"}
XCEPTION = (ROOT.parent / "shared" / "models" / "xception.tflite",
            ROOT / "build" / "bench" / "perf" / "xception.tflite")
ENV = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING", "MODEL_THREADS": "1",
       "LANG": "C.UTF-8", "ALLOW_PRIVATE_URLS": "true"}  # the URL is served on 127.0.0.1
# Against the bare floors both sides run one thread (MODEL_THREADS=1, num_threads=1). The
# course's handler takes ONNX Runtime's default thread count, so ours runs at its own default
# there too (MODEL_THREADS unset: the CPUs the process may use).
AT_OWN_DEFAULTS = {"course2025"}


def env_of(kind: str) -> dict[str, str]:
    """The environment of a kind's runs."""
    if kind in AT_OWN_DEFAULTS:
        return {key: value for key, value in ENV.items() if key != "MODEL_THREADS"}
    return ENV


def once(python: str, code: str, cwd: Path, env: dict[str, str] = ENV) -> dict[str, Any]:
    """One fresh process; ``whole`` is exec to its answer line, seen from here."""
    started = time.perf_counter()
    child = subprocess.Popen([python, "-I", "-S", "-c", code], cwd=cwd, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert child.stdout is not None
    line = child.stdout.readline()
    whole = time.perf_counter() - started
    child.wait(timeout=120)
    report: dict[str, Any] = json.loads(line)
    if not report.pop("ok"):
        raise RuntimeError(f"the cold run failed: {line}")
    return {key: round(value * 1000, 1) for key, value in {**report, "whole": whole}.items()}


def python_version(python: str) -> str:
    """``3.11`` for a python3.11: the bytecode the zips carry."""
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def bundle(model: Path, out: Path, version: str) -> Path:
    """``scripts/bundle_aws.py --model`` into ``out`` unless it is newer than every source."""
    sources = [model, *ROOT.glob("core/**/*.py"), *ROOT.glob("aws_lambda/**/*.py")]
    if not out.is_file() or out.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        subprocess.run([sys.executable, str(ROOT / "scripts" / "bundle_aws.py"), "--out",
                        str(out), "--python-version", version, "--model", str(model)],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def unzip(zip_path: Path, root: Path) -> Path:
    """The zip extracted afresh into ``root``; the model file in it."""
    shutil.rmtree(root, ignore_errors=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root)
    pointer = root / "models" / "default.txt"  # another model than the embedded one
    if pointer.is_file():
        return root / pointer.read_text().strip()
    return next(root.glob("models/**/*.tflite"))


@contextmanager
def photo_server() -> Iterator[str]:
    """The photo's URL on a keep-alive HTTP server on 127.0.0.1, for as long as the block."""
    handler = functools.partial(Handler, directory=str(PHOTO.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{PHOTO.name}"
    finally:
        server.shutdown()
        server.server_close()


def prepare(default_zip: Path, work: Path, python: str, url: str) -> dict[str, dict[str, Any]]:
    """Per kind: the task root and the two programs with their literals filled in."""
    version = python_version(python)
    zips = {"default": default_zip,
            "onnx": bundle(cold_models.ensure(work / "mobilenet_v2.onnx"),
                           work / "onnx.zip", version)}
    xception = next((p for p in XCEPTION if p.is_file()), None)
    if xception is not None:
        zips["xception"] = bundle(xception, work / "xception.zip", version)
    events = {"upload": work / "upload.json", "url": work / "url.json"}
    events["upload"].write_text(json.dumps({"image": base64.b64encode(PHOTO.read_bytes())
                                            .decode()}))
    events["url"].write_text(json.dumps({"url": url}))
    roots = {name: (work / name, unzip(path, work / name)) for name, path in zips.items()}
    kinds = {}
    for kind, (zip_name, event, floor) in KINDS.items():
        if zip_name not in roots:
            continue
        root, model = roots[zip_name]
        values = {"ROOT": str(root), "EVENT": str(events[event]), "MODEL": str(model),
                  "URL": url}
        programs = {}
        for side, code in (("ours", OURS), ("bare", floor)):
            for key, value in values.items():
                code = code.replace(key, repr(value))
            programs[side] = code
        kinds[kind] = {"root": root, "programs": programs}
    return kinds


Samples = dict[str, dict[str, list[dict[str, float]]]]


def measure(kinds: dict[str, dict[str, Any]], python: str, runs: int) -> Samples:
    """Interleaved runs of every kind's pair: each run's figures in ms, per kind and side."""
    samples: Samples = {kind: {"ours": [], "bare": []} for kind in kinds}
    for round_ in range(runs):
        for kind, setup in kinds.items():
            sides = ("ours", "bare") if round_ % 2 == 0 else ("bare", "ours")
            for side in sides:
                samples[kind][side].append(once(python, setup["programs"][side], setup["root"],
                                                env_of(kind)))
    return samples


def medians(samples: Samples) -> dict[str, dict[str, dict[str, float]]]:
    """Per kind and side, the median of each figure."""
    return {kind: {side: {key: round(statistics.median(run[key] for run in runs_), 1)
                          for key in ("init", "answer", "whole", "cpu")}
                   for side, runs_ in sides.items()}
            for kind, sides in samples.items()}


def judge(samples: Samples) -> dict[str, dict[str, Any]]:
    """Per kind: ours - bare and ours / bare of the whole process, each the median over the
    rounds of the two runs made one after the other (a load that drifts during the run moves
    both), the same for CPU time, the goal and whether it is met."""
    out = {}
    for kind, sides in samples.items():
        pairs = list(zip(sides["ours"], sides["bare"], strict=True))
        over = round(statistics.median(o["whole"] - b["whole"] for o, b in pairs), 1)
        ratio = round(statistics.median(o["whole"] / b["whole"] for o, b in pairs), 3)
        cpu = round(statistics.median(o["cpu"] - b["cpu"] for o, b in pairs), 1)
        out[kind] = {"over_bare_ms": over, "ratio": ratio, "cpu_over_bare_ms": cpu,
                     "goal": GOALS[kind], "met": meets(kind, over, ratio)}
    return out


def meets(kind: str, over_ms: float, ratio: float) -> bool:
    """Whether ``kind``'s paired difference and ratio meet its goal (``GOALS``)."""
    return {"xception": ratio <= 1.05, "course2025": over_ms <= 0}.get(kind, over_ms <= 20)


def main() -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_zip")
    parser.add_argument("--zip", type=Path, default=ROOT / "build" / "aws_lambda.zip")
    parser.add_argument("--python", default="python3", help="the zip's Python (LAMBDA_PYTHON)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "data" / "cold_zip.json")
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS),
                        help="measure only these pairs")
    args = parser.parse_args()
    work = ROOT / "build" / "bench" / "cold-zip"
    work.mkdir(parents=True, exist_ok=True)
    with photo_server() as url:
        kinds = {kind: setup for kind, setup in prepare(args.zip, work, args.python, url).items()
                 if kind in args.kinds}
        load = load_average()
        samples = measure(kinds, args.python, args.runs)
    record = {**run_record(args.runs, load), "load_after": load_average(),
              "python": args.python, "medians_ms": medians(samples),
              "verdicts": judge(samples), "runs_ms": samples}
    write_json(args.out, record)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
