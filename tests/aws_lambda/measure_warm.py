"""Measure the handler's init and warm duration here, and estimate Lambda's cost per million.

    .venv/bin/python -m tests.aws_lambda.measure_warm [--runs 50]

Run in a fresh process per thread count (MODEL_THREADS is read at import). The cost model:
Lambda gives CPU in proportion to memory (one full vCPU at 1769 MB), so a CPU-bound duration
d measured on one core becomes about d * 1769 / M below 1769 MB and stays about d above it
for one inference thread. Numbers are estimates: Lambda's CPUs are not this machine's.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRICE_GB_SECOND = 0.0000166667  # x86, us-east-1, first 6 billion GB-s per month
PRICE_PER_MILLION_REQUESTS = 0.20
FULL_VCPU_MB = 1769
MEMORY_SIZES = (512, 1024, 1536, 2048, 3008)


def measure(runs: int) -> dict[str, float]:
    """Init (import) seconds and warm handler milliseconds in this process."""
    from tests import images

    started = time.perf_counter()
    import lambda_function  # type: ignore[import-not-found]  # init: loads the model

    init_s = time.perf_counter() - started
    event = {"image": base64.b64encode(images.jpeg(640, 480)).decode()}
    for _ in range(3):
        lambda_function.lambda_handler(event, None)
    durations = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = lambda_function.lambda_handler(event, None)
        durations.append((time.perf_counter() - t0) * 1000)
        assert "error" not in result, result
    return {"init_s": round(init_s, 3), "median_ms": round(statistics.median(durations), 2),
            "p90_ms": round(statistics.quantiles(durations, n=10)[-1], 2)}


def cost_table(warm_ms: float) -> list[tuple[int, float, float]]:
    """(memory MB, estimated ms, USD per million predictions) for each memory size."""
    rows = []
    for memory in MEMORY_SIZES:
        estimate = warm_ms * max(1.0, FULL_VCPU_MB / memory)
        billed_s = max(1, round(estimate + 0.5)) / 1000  # billed per started millisecond
        dollars = 1e6 * (memory / 1024) * billed_s * PRICE_GB_SECOND + PRICE_PER_MILLION_REQUESTS
        rows.append((memory, round(estimate, 1), round(dollars, 2)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT / "aws_lambda"))
        print(json.dumps(measure(args.runs)))
        return 0
    results = {}
    for threads in ("1", "2"):
        env = {**os.environ, "MODEL_THREADS": threads, "LOG_LEVEL": "WARNING"}
        done = subprocess.run([sys.executable, "-m", "tests.aws_lambda.measure_warm", "--child",
                               "--runs", str(args.runs)], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True)
        results[threads] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"MODEL_THREADS={threads}: {results[threads]}")
    print("| memory (MB) | est. warm duration (ms) | USD per million predictions |")
    print("|---:|---:|---:|")
    for memory, estimate, dollars in cost_table(results["1"]["median_ms"]):
        print(f"| {memory} | {estimate} | {dollars:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
