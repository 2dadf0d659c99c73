"""ONNX Runtime beside LiteRT on the lesson's Xception: ``python -m benchmarks.onnx_bench``.

Four models (``benchmarks.onnx_models``: float32 and dynamic int8 for each runtime), each
measured bare (the runtime alone on prepared tensors) and as ours (the Lambda handler on photo
bytes), in fresh processes interleaved round by round so the machine's noise hits all alike:
cold start, median invoke / end-to-end time on the validation photos, peak RSS. Then the
runtime set's installed size for either runtime, ONNX Runtime's graph optimisation levels,
and one shared session with and without a lock at 1, 2, 4 and 8 clients.
Writes build/bench/onnx.json; prints markdown. Targets: ONNX end to end <= 1.10x its bare
``session.run``; ONNX cold start <= bare + 0.25 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import OUT, PY, ROOT, sample_photos, shared_dir
from benchmarks.onnx_models import VARIANTS, prepare
from benchmarks.onnx_runtime import (
    concurrency,
    head_to_head,
    interleaved,
    optimization_levels,
    runtime_sizes,
)

ONLY: tuple[str, ...] = ("litert", "onnx")  # --only narrows the side-by-side variants


def _worker(mode: str, model: Path, photos: list[Path]) -> dict[str, Any]:
    env = {**os.environ, "MODEL_THREADS": "2", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([PY, "-m", "benchmarks.onnx_worker", mode, str(model),
                           repr(time.time()), *map(str, photos)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} {model.name} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _tensors(photos: list[Path]) -> Path:
    """The photos decoded, resized and normalised as the service does, for the bare runs."""
    import numpy as np

    from core.images.resize import load_rgb
    from core.inference.normalization import normalize

    path = OUT / "onnx" / f"tensors-{len(photos)}.npy"
    pixels = np.stack([load_rgb(p.read_bytes(), (299, 299), "nearest") for p in photos])
    np.save(path, normalize(pixels, "xception"))
    return path


def side_by_side(models: dict[str, Path], photos: list[Path], rounds: int) -> dict[str, Any]:
    """Per variant and mode: cold starts, per-photo times and peak RSS over ``rounds``."""
    runs: dict[str, list[dict[str, Any]]] = {}
    tensors = _tensors(photos)
    for _ in range(rounds):
        for variant, path in models.items():
            if not variant.startswith(ONLY):
                continue
            for mode in ("bare", "ours"):
                inputs = [tensors] if mode == "bare" else photos
                runs.setdefault(f"{variant}/{mode}", []).append(_worker(mode, path, inputs))
    return {key: {"cold_s": round(statistics.median(r["cold_s"] for r in results), 3),
                  "ms": round(statistics.median(t for r in results for t in r["ms"]), 1),
                  "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1)}
            for key, results in runs.items()}


def table(results: dict[str, Any], sizes: dict[str, Any], models: dict[str, Path]) -> str:
    lines = ["| model | runtime | bare invoke | ours end to end | ratio | bare cold | ours cold "
             "| peak RSS (ours) | model file |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for variant in (v for v in VARIANTS if f"{v}/bare" in results):
        bare, ours = results[f"{variant}/bare"], results[f"{variant}/ours"]
        runtime, kind = variant.split("-")
        lines.append(f"| Xception {kind} | {runtime} | {bare['ms']} ms | {ours['ms']} ms "
                     f"| {ours['ms'] / bare['ms']:.2f}x | {bare['cold_s']} s "
                     f"| {ours['cold_s']} s | {ours['peak_rss_mb']} MB "
                     f"| {models[variant].stat().st_size / 1e6:.1f} MB |")
    lines += ["", "| runtime set | installed (GCP/Azure) | Lambda zip, zipped | unzipped |",
              "|---|---:|---:|---:|"]
    for name, row in sizes.items():
        lines.append(f"| {name} | {row['installed_mb']} MB | {row['zip_mb']} MB "
                     f"| {row['unzipped_mb']} MB |")
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[str]:
    """The issue's two ONNX targets, PASS or FAIL, per ONNX variant."""
    lines = []
    for variant in (v for v in VARIANTS if v.startswith("onnx") and f"{v}/bare" in results):
        bare, ours = results[f"{variant}/bare"], results[f"{variant}/ours"]
        ratio, extra = ours["ms"] / bare["ms"], ours["cold_s"] - bare["cold_s"]
        lines.append(f"{variant}: end to end {ratio:.2f}x bare (target <= 1.10x) "
                     f"{'PASS' if ratio <= 1.10 else 'FAIL'}; cold start bare + {extra:.2f} s "
                     f"(target <= 0.25 s) {'PASS' if extra <= 0.25 else 'FAIL'}")
    return lines


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.onnx_bench")
    p.add_argument("--photos", type=int, default=20, help="validation photos per process")
    p.add_argument("--rounds", type=int, default=3, help="fresh processes per variant and mode")
    p.add_argument("--skip", nargs="*", default=[],
                   choices=("sizes", "levels", "locks", "processes"))
    p.add_argument("--only", nargs="*", default=["litert", "onnx"], help="variant prefixes")
    args = p.parse_args()
    global ONLY
    ONLY = tuple(args.only)
    photos = sample_photos(shared_dir(), args.photos)
    models = prepare()
    results = {} if "processes" in args.skip else side_by_side(models, photos, args.rounds)
    sizes = {} if "sizes" in args.skip else runtime_sizes(models["onnx-float32"])
    report: dict[str, Any] = {"side_by_side": results, "sizes": sizes, "interleaved": {
        v: interleaved(models[v], photos) for v in VARIANTS if v.startswith("onnx")},
        "head_to_head": head_to_head(models)}
    if "levels" not in args.skip:
        report["optimization_levels"] = optimization_levels(models["onnx-float32"], photos)
    if "locks" not in args.skip:
        report["concurrency"] = concurrency(models["onnx-float32"], photos)
    (OUT / "onnx.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(table(results, sizes, models))
    print("\n".join(targets(results)))
    for variant, row in report["interleaved"].items():
        print(f"{variant} in one process, photo by photo: ours {row['ours_ms']} ms, bare "
              f"{row['bare_ms']} ms: {row['ratio']:.2f}x (target <= 1.10x) "
              f"{'PASS' if row['ratio'] <= 1.10 else 'FAIL'}")
    for kind, row in report["head_to_head"].items():
        print(f"Xception {kind}, bare, alternated in one process: LiteRT {row['litert_ms']} ms, "
              f"ONNX Runtime {row['onnxruntime_ms']} ms")
    print(json.dumps({k: report[k] for k in ("optimization_levels", "concurrency")
                      if k in report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
