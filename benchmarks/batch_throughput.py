"""``classifier batch`` against a bare loop over the same photos: images per second.

* **Ours**: ``python -m core batch FOLDER --out FILE`` as a user runs it (two read-ahead
  threads, the default model, ``MODEL_THREADS=2``); its rate is the command's own summary line
  (images classified over the seconds from the first read to the last line written; the model
  load and the listing come before and are not counted).
* **Bare**: the floor a hand-written script reaches on the same photos and model: read the
  file, Pillow decode (JPEG draft to the input size, as ours), RGB, bilinear resize to 224 x 224,
  a 256-entry table to the input tensor's quantised MobileNet scaling, ``invoke``, one thread,
  in a process of its own timed the same way (after its model load).
* **Interleaving**: each round runs both in a fresh random order (seeded), as separate
  processes, so other work on the machine slows both alike; medians over the rounds, and the
  ratio of each round's pair. The load average before and after is recorded beside them.

``python -m benchmarks.batch_throughput`` writes docs/data/batch.json; ``scripts/gendocs.py``
turns it into the tables and figure of docs/performance.md and the estimates of docs/batch.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_MODEL, PY, ROOT, sample_photos, shared_dir

DATA = ROOT / "docs" / "data" / "batch.json"
SUMMARY = re.compile(r"(\d+) classified now \((\d+) failed\) in [\d.]+ s, ([\d.]+) img/s")
THREADS = 2


def bare_loop(folder: Path) -> dict[str, float]:
    """The bare loop over every photo of ``folder`` (run in a child process)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    interpreter = Interpreter(model_path=str(DEFAULT_MODEL), num_threads=THREADS)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    limits = np.iinfo(inp["dtype"])
    table = np.clip(np.round((np.arange(256) / 127.5 - 1.0) / scale + zero),
                    limits.min, limits.max).astype(inp["dtype"])
    paths = sorted(folder.iterdir())
    started = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.draft("RGB", (224, 224))
            pixels = np.asarray(image.convert("RGB").resize((224, 224),
                                                            Image.Resampling.BILINEAR))
        interpreter.set_tensor(inp["index"], table[pixels][np.newaxis])
        interpreter.invoke()
        interpreter.get_tensor(out["index"])
    seconds = time.perf_counter() - started
    return {"images": len(paths), "seconds": seconds, "rate": len(paths) / seconds}


def run_bare(folder: Path) -> float:
    """Images per second of the bare loop, in a fresh process."""
    done = subprocess.run([PY, "-m", "benchmarks.batch_throughput", "--bare-child",
                           str(folder)], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(json.loads(done.stdout.splitlines()[-1])["rate"])


def run_ours(folder: Path, workers: int) -> float:
    """Images per second of ``python -m core batch``, from its summary line."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "results.jsonl"
        done = subprocess.run([PY, "-m", "core", "batch", str(folder), "--out", str(out),
                               "--workers", str(workers), "--no-progress"], cwd=ROOT,
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "MODEL_THREADS": str(THREADS)})
        match = SUMMARY.search(done.stderr)
        if done.returncode != 0 or not match or match.group(2) != "0":
            raise RuntimeError(f"classifier batch failed ({done.returncode}):\n"
                               f"{done.stderr[-2000:]}")
        return float(match.group(3))


def default_model_name() -> str:
    """The default model's name and version, from its manifest."""
    manifest = json.loads(DEFAULT_MODEL.with_name("model.json").read_text(encoding="utf-8"))
    return f"{manifest['name']} {manifest['version']} (default)"


def photo_folder(count: int, target: Path) -> Path:
    """``count`` validation photos copied (flat) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for index, photo in enumerate(sample_photos(shared_dir(), count)):
        (target / f"photo-{index:03d}.jpg").write_bytes(photo.read_bytes())
    return target


def measure(rounds: int, count: int, workers: int, seed: int = 0) -> dict[str, Any]:
    """Interleaved rounds of both systems; the record written to docs/data/batch.json."""
    rng = random.Random(seed)
    measured = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    runs: dict[str, list[float]] = {"ours": [], "bare": []}
    with tempfile.TemporaryDirectory() as scratch:
        folder = photo_folder(count, Path(scratch) / "photos")
        count = len(list(folder.iterdir()))  # the validation split may hold fewer than asked
        for index in range(rounds):
            order = ["ours", "bare"]
            rng.shuffle(order)
            for name in order:
                rate = run_ours(folder, workers) if name == "ours" else run_bare(folder)
                runs[name].append(round(rate, 2))
            print(f"round {index + 1}/{rounds}: ours {runs['ours'][-1]} img/s, "
                  f"bare {runs['bare'][-1]} img/s", file=sys.stderr, flush=True)
    ratios = [round(o / b, 3) for o, b in zip(runs["ours"], runs["bare"], strict=True)]
    ours, bare = statistics.median(runs["ours"]), statistics.median(runs["bare"])
    return {
        "measured": measured, "photos": count, "rounds": rounds, "workers": workers,
        "model_threads": THREADS,
        "model": default_model_name(), "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "runs": runs, "ratios": ratios,
        "median": {"ours": ours, "bare": bare}, "ratio_of_medians": round(ours / bare, 3),
        "median_ratio": statistics.median(ratios), "ms_per_image": round(1000 / ours, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.batch_throughput",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--photos", type=int, default=341,
                        help="validation photos per run (the split holds 341)")
    parser.add_argument("--workers", type=int, default=2, help="classifier batch --workers")
    parser.add_argument("--no-doc", action="store_true", help="print, leave docs/data alone")
    parser.add_argument("--bare-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_child:
        print(json.dumps(bare_loop(Path(args.bare_child))))
        return 0
    result = measure(args.rounds, args.photos, args.workers)
    print(json.dumps(result, indent=2))
    if not args.no_doc:
        DATA.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        subprocess.run([PY, "scripts/gendocs.py"], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
