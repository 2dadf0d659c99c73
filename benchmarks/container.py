"""Cold start of the Lambda container image: ours beside a bare image, per model, interleaved.

Each start is ``docker run`` of an image (read-only root, tmpfs /tmp, host network) answering a
direct invocation (a base64 JPEG, no download) through the base's runtime client against a
Runtime API server on 127.0.0.1, the event queued before the start: container start to the
first answer. Per model, ``ours`` is docker/Dockerfile built by docker/build.sh with that model
(``MODEL=``, the runtime following the model) and ``bare`` an image of the same base holding
only that runtime's packages and the model, with a handler that loads it at import and decodes,
resizes and runs per event (``benchmarks.container_bare``). Models: the default, the ONNX
MobileNetV2 of ``benchmarks.cold_models`` and, when it is there, the lesson's Xception (the file
``benchmarks.cold_zip`` finds). Every pair alternates within one run, the order flipping every
round and from one model to the next (``benchmarks.cold_container``, which also judges the goals
and renders the docs' table).
The bases are the stand-ins that `make test-deps` builds (or the real ones where they can be
pulled: PYTHON_TAG).

``python -m benchmarks.container [--runs 9]`` writes ``docs/data/cold_container.json``;
``make bench-container`` (part of ``make bench``) then regenerates the docs.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks import cold_container, cold_models, container_bare
from benchmarks.cold_zip import PHOTO, XCEPTION
from benchmarks.common import (
    DEFAULT_MODEL,
    OUT,
    PY,
    ROOT,
    load_average,
    run_record,
    write_json,
)
from tests.aws_lambda.runtime_api import RuntimeApi

BASE = "public.ecr.aws/lambda/python"
ENV = {"MODEL_THREADS": "1", "AWS_LAMBDA_FUNCTION_NAME": "classifier"}
WORK = OUT / "container"


def models() -> dict[str, Path]:
    """The models measured: the default, the ONNX one (built when missing), the Xception."""
    found = {"default": DEFAULT_MODEL,
             "onnx": cold_models.ensure(OUT / "cold-zip" / "mobilenet_v2.onnx")}
    xception = next((p for p in XCEPTION if p.is_file()), None)
    return found if xception is None else {**found, "xception": xception}


def python_tag() -> str:
    """The stand-in base's Python (tag ``<version>-x86_64``), else the real base's 3.12."""
    listed = subprocess.run(["docker", "images", BASE, "--filter", "label=standin.arch=x86_64",
                             "--format", "{{.Tag}}"], capture_output=True, text=True, check=True)
    tags = [t for t in listed.stdout.split() if t.endswith("-x86_64")]
    return tags[0].removesuffix("-x86_64") if tags else os.environ.get("PYTHON_TAG", "3.12")


def build(kind: str, model: Path, tag: str) -> dict[str, str]:
    """Our image and the bare one for ``model``: docker/build.sh, cached by the engine."""
    ours = f"classifier-lambda:bench-{kind}-x86_64"
    env = {**os.environ, "ARCH": "x86_64", "TAG": ours, "PYTHON_TAG": tag, "PYTHON": PY}
    if model != DEFAULT_MODEL:
        env["MODEL"] = str(model)
    subprocess.run(["bash", "docker/build.sh"], cwd=ROOT, env=env, check=True, timeout=1800,
                   stdout=subprocess.DEVNULL)
    base = f"{BASE}:{tag}-x86_64"
    bare = container_bare.build(ours, base, model, f"classifier-lambda:bench-bare-{kind}-x86_64")
    return {"ours": ours, "bare": bare}


def once(image: str, event: dict[str, str], log: Path) -> cold_container.Run:
    """One start of ``image``: ``whole``, ms from ``docker run`` to its first answer, and
    ``cpu``, the container's CPU time by then (None where its cgroup cannot be read); then it
    is removed. A Runtime API server per start: a stopped runtime's pending /next must not take
    the event."""
    name = f"classifier-bench-{uuid.uuid4().hex[:10]}"
    cidfile = WORK / f"{name}.cid"
    with RuntimeApi() as api, log.open("ab") as out:
        argv = ["docker", "run", "--rm", "--name", name, "--cidfile", str(cidfile),
                "--read-only", "--tmpfs", "/tmp", "--network", "host",
                f"--env=AWS_LAMBDA_RUNTIME_API={api.address}",
                *(f"--env={k}={v}" for k, v in ENV.items()), image]
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=out)
        try:
            outcome = api.invoke(event, timeout_s=300)
            elapsed = time.perf_counter() - started
            cpu = cpu_ms(cidfile.read_text().strip())
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
            child.wait(timeout=60)
            cidfile.unlink(missing_ok=True)
    if outcome.kind != "response":
        raise RuntimeError(f"{image}: {outcome.kind} {outcome.body[:200]!r}; see {log}")
    return {"whole": round(elapsed * 1000, 1), "cpu": cpu}


def cpu_ms(container: str) -> float | None:
    """The container's CPU time so far (user + system, every process), from its cgroup:
    cgroup v1 with the cgroupfs driver, or v2 with the systemd one; None elsewhere."""
    v1 = Path("/sys/fs/cgroup/cpuacct/docker") / container / "cpuacct.usage"
    v2 = Path("/sys/fs/cgroup/system.slice") / f"docker-{container}.scope" / "cpu.stat"
    try:
        if v1.is_file():
            return round(int(v1.read_text()) / 1e6, 1)
        usage = dict(line.split() for line in v2.read_text().splitlines())
        return round(int(usage["usage_usec"]) / 1e3, 1)
    except (OSError, KeyError, ValueError):
        return None


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


def measure(images: dict[str, dict[str, str]], runs: int) -> cold_container.Samples:
    """Every kind's pair, interleaved: each start's milliseconds per kind and side."""
    event = {"image": base64.b64encode(PHOTO.read_bytes()).decode()}
    samples: cold_container.Samples = {kind: {"ours": [], "bare": []} for kind in images}
    for kind, side in cold_container.schedule(list(images), runs):
        log = WORK / f"{kind}-{side}.log"
        samples[kind][side].append(once(images[kind][side], event, log))
    return samples


def engine() -> str | None:
    """Why no container can run here, or None."""
    if shutil.which("docker") is None or subprocess.run(
            ["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker engine (make test-deps installs and starts one)"
    return None


def main() -> int:
    """Build, measure, print and record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.container")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--kinds", nargs="+", choices=list(cold_container.LABELS),
                        default=list(cold_container.LABELS), help="measure only these models")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "docs" / "data" / "cold_container.json")
    args = parser.parse_args()
    if (why := engine()) is not None:
        print(f"container cold start not measured: {why}", file=sys.stderr)
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    tag = python_tag()
    wanted = {kind: path for kind, path in models().items() if kind in args.kinds}
    images = {kind: build(kind, path, tag) for kind, path in wanted.items()}
    load = load_average()
    samples = measure(images, args.runs)
    base = f"{BASE}:{tag}-x86_64"
    record: dict[str, Any] = {
        **run_record(args.runs, load), "load_after": load_average(), "base": base,
        "images": images,
        "sizes": {kind: sizes(pair["ours"], base) for kind, pair in images.items()},
        "verdicts": cold_container.judge(samples), "runs_ms": samples}
    write_json(args.out, record)
    print(cold_container.markdown(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
