"""The Lambda container's cold start beside the in-process one, and the image's size.

Both kinds answer the same direct invocation (a base64 JPEG, no download) through the real
runtime client against the suite's Runtime API server on 127.0.0.1, the event queued before the
start. ``in-process``: ``python -m awslambdaric lambda_function.lambda_handler`` from this
checkout, process start to first answer. ``container``: ``docker run`` of the image (read-only
root, tmpfs /tmp, host network), container start to first answer; ``bare container``: the
same for an image of the same base holding only the runtime and the model, with a handler that
loads it at import and decodes, resizes and invokes (``benchmarks.container_bare``). Rounds
interleave the kinds.
The image is docker/Dockerfile built by docker/build.sh on the stand-in base that
`make test-deps` builds (or on the real base where one can be pulled: PYTHON_TAG).

``python -m benchmarks.container [--runs 5]`` prints the table; ``make bench`` includes it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import container_bare
from benchmarks.common import PY, ROOT, WORK, quantiles
from tests import images
from tests.aws_lambda.runtime_api import RuntimeApi

BASE = "public.ecr.aws/lambda/python"
TAG = "classifier-lambda:bench-x86_64"
ENV = {"MODEL_THREADS": "1", "AWS_LAMBDA_FUNCTION_NAME": "classifier"}
KINDS = ("in-process (awslambdaric)", "container (docker run)", "bare container (docker run)")


def python_tag() -> str:
    """The stand-in base's Python (tag ``<version>-x86_64``), else the real base's 3.12."""
    listed = subprocess.run(["docker", "images", BASE, "--filter", "label=standin.arch=x86_64",
                             "--format", "{{.Tag}}"], capture_output=True, text=True, check=True)
    tags = [t for t in listed.stdout.split() if t.endswith("-x86_64")]
    return tags[0].removesuffix("-x86_64") if tags else os.environ.get("PYTHON_TAG", "3.12")


def build() -> tuple[str, str]:
    """(image tag, base tag): docker/build.sh, cached by the engine's layer cache."""
    tag = python_tag()
    env = {**os.environ, "ARCH": "x86_64", "TAG": TAG, "PYTHON_TAG": tag}
    subprocess.run(["bash", "docker/build.sh"], cwd=ROOT, env=env, check=True, timeout=1800,
                   stdout=subprocess.DEVNULL)
    return TAG, f"{BASE}:{tag}-x86_64"


def commands(api: RuntimeApi, image: str, bare: str) -> dict[str, list[str]]:
    """argv of each kind; the in-process one runs with ENV added to this environment."""
    settings = [f"--env={k}={v}" for k, v in ENV.items()]
    run = ["docker", "run", "--rm", "--read-only", "--tmpfs", "/tmp", "--network", "host",
           f"--env=AWS_LAMBDA_RUNTIME_API={api.address}", *settings]
    return {KINDS[0]: [PY, "-m", "awslambdaric", "lambda_function.lambda_handler"],
            KINDS[1]: [*run, image], KINDS[2]: [*run, bare]}


def once(kind: str, argv: list[str], api: RuntimeApi, event: dict[str, str], log: Path) -> float:
    """Seconds from the start of ``argv`` to the first answer; the process is then stopped."""
    env = {**os.environ, **ENV, "AWS_LAMBDA_RUNTIME_API": api.address,
           "PYTHONPATH": str(ROOT), "LAMBDA_TASK_ROOT": str(ROOT / "aws_lambda")}
    name = f"classifier-bench-{uuid.uuid4().hex[:10]}"
    if argv[0] == "docker":
        argv = [*argv[:3], "--name", name, *argv[3:]]
    with log.open("ab") as out:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT / "aws_lambda", env=env, stdout=out, stderr=out)
        try:
            outcome = api.invoke(event, timeout_s=300)
            elapsed = time.perf_counter() - started
        finally:
            if argv[0] == "docker":
                subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
            child.terminate()
            child.wait(timeout=60)
    if outcome.kind != "response":
        raise RuntimeError(f"{kind}: {outcome.kind} {outcome.body[:200]!r}; see {log}")
    return elapsed


def sizes(image: str, base: str) -> dict[str, float]:
    """The image's own layers over the base, and /var/task, in MB."""
    def size(tag: str) -> int:
        return int(subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", tag],
                                  capture_output=True, text=True, check=True).stdout)
    du = subprocess.run(["docker", "run", "--rm", "--network", "none", "--entrypoint", "du",
                         image, "-sk", "/var/task"], capture_output=True, text=True, check=True)
    return {"image_mb": round(size(image) / 1e6, 1),
            "over_base_mb": round((size(image) - size(base)) / 1e6, 1),
            "task_root_mb": round(int(du.stdout.split()[0]) * 1024 / 1e6, 1)}


def measure(runs: int = 5) -> dict[str, Any]:
    """Median cold starts (ms) per kind, their ratio, and the sizes; or why not measured."""
    if shutil.which("docker") is None or subprocess.run(
            ["docker", "info"], capture_output=True).returncode != 0:
        return {"skipped": "no Docker engine (make test-deps installs and starts one)"}
    image, base = build()
    bare = container_bare.build(image, base)
    event = {"image": base64.b64encode(images.jpeg()).decode()}
    WORK.mkdir(parents=True, exist_ok=True)
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for kind in KINDS:
            # a server per start: a stopped runtime's pending /next must not take the event
            with RuntimeApi() as api:
                log = WORK / f"container-{kind.split()[0]}.log"
                argv = commands(api, image, bare)[kind]
                times.setdefault(kind, []).append(once(kind, argv, api, event, log) * 1000)
    cold = {kind: quantiles(values) for kind, values in times.items()}
    medians = [row["median"] for row in cold.values()]
    return {"image": image, "base": base, "cold_ms": cold,
            "ratio": round(medians[1] / medians[0], 2),
            "over_bare_ms": round(medians[1] - medians[2], 1),
            "over_bare_ratio": round(medians[1] / medians[2], 3), **sizes(image, base)}


def table(result: dict[str, Any]) -> list[str]:
    """Markdown lines for the report."""
    if "skipped" in result:
        return [f"Container cold start not measured: {result['skipped']}."]
    lines = ["Lambda container (docker/Dockerfile on the stand-in base, x86_64) beside the "
             "same handler in process, start to first answer:", "",
             "| kind | median ms | p90 ms | runs |", "|---|---:|---:|---:|"]
    for kind, row in result["cold_ms"].items():
        lines.append(f"| {kind} | {row['median']:.0f} | {row['p90']:.0f} | {row['n']} |")
    if "over_bare_ms" in result:
        lines += ["", f"Container - bare container: {result['over_bare_ms']:+.0f} ms "
                  f"({result['over_bare_ratio']}x); the bare image holds only the runtime "
                  "(numpy, Pillow, LiteRT) and the model (benchmarks/container_bare.py)."]
    lines += ["", f"Container / in-process: {result['ratio']}x. Image {result['image_mb']} MB, "
              f"of which {result['over_base_mb']} MB over the base ({result['base']}); "
              f"/var/task {result['task_root_mb']} MB."]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.container")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = measure(args.runs)
    print("\n".join(table(result)))
    print(json.dumps(result), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
