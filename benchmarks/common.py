"""Shared plumbing of the performance suite: paths, statistics, data sets, worker processes.

Every system under test runs in a process of its own that answers JSON lines on stdin/stdout
(see ``benchmarks.worker`` and ``benchmarks.reference_app``), so the suite can interleave them
request by request: noise from other work on the machine then hits every system alike.
"""

from __future__ import annotations

import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
WORK = OUT / "perf"
PY = sys.executable
REF_VENV = ROOT / "build" / "venv-reference"
REF_PY = REF_VENV / "bin" / "python"
KIH_DIR = OUT / "kih"  # keras-image-helper alone, for the TensorFlow process
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
LARGE_SIZE = (3000, 4000)


def shared_dir() -> Path:
    """``../shared`` or $SHARED_DIR; exits non-zero with a clear message when missing."""
    base = Path(os.environ.get("SHARED_DIR") or ROOT.parent / "shared")
    validation = base / "data" / "clothing-dataset-small" / "validation"
    if not validation.is_dir():
        print(f"error: the benchmark photos are missing: {validation} does not exist.\n"
              "Put the shared folder beside the repo (../shared) or set SHARED_DIR=...",
              file=sys.stderr)
        raise SystemExit(2)
    return validation


def stop(proc: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Terminate a child process; kill it if it does not exit within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def run_clients(client: Callable[[], None], count: int) -> float:
    """Run ``count`` threads of ``client`` at once; the wall-clock seconds until all finish."""
    threads = [threading.Thread(target=client) for _ in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def quantiles(values: list[float]) -> dict[str, float]:
    """n, median, p90, p99, min of ``values`` (milliseconds in, milliseconds out)."""
    if not values:
        return {"n": 0, "median": float("nan"), "p90": float("nan"), "p99": float("nan"),
                "min": float("nan")}
    ordered = sorted(values)
    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
    return {"n": len(values), "median": round(statistics.median(values), 2),
            "p90": round(pick(0.9), 2), "p99": round(pick(0.99), 2), "min": round(ordered[0], 2)}


def sample_photos(validation: Path, count: int, seed: int = 0) -> list[Path]:
    """A fixed random sample of the validation photos (same seed, same photos)."""
    photos = sorted(validation.glob("*/*.jpg"))
    random.Random(seed).shuffle(photos)
    return photos[:count]


def prepare_images(validation: Path, count: int, large: int) -> tuple[Path, list[str],
                                                                      list[str]]:
    """Copy the sample and make the 12-MP upscales (cached); (folder, small names, large)."""
    from PIL import Image  # only the orchestrator needs Pillow here

    folder = WORK / "images"
    folder.mkdir(parents=True, exist_ok=True)
    small: list[str] = []
    for i, photo in enumerate(sample_photos(validation, count)):
        name = f"photo-{i:03d}.jpg"
        target = folder / name
        if not target.is_file():
            target.write_bytes(photo.read_bytes())
        small.append(name)
    big: list[str] = []
    for i, name in enumerate(small[:large]):
        target = folder / f"large-{i:03d}.jpg"
        if not target.is_file():
            with Image.open(folder / name) as image:
                image.convert("RGB").resize(LARGE_SIZE, Image.Resampling.BICUBIC).save(
                    target, quality=90)
        big.append(target.name)
    return folder, small, big


class Worker:
    """A child process that answers one JSON line per JSON line it is sent."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str] | None = None,
                 log: Path | None = None) -> None:
        self.name = name
        log = log or WORK / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True, cwd=ROOT,
                                     env={**os.environ, **(env or {})})
        self.ready = self.read()

    def read(self) -> dict[str, Any]:
        """The next JSON line; a dead child raises with the tail of its log."""
        out = self.proc.stdout
        line = out.readline() if out else ""
        if not line:
            self._log.flush()
            tail = Path(self._log.name).read_text()[-1500:]
            raise RuntimeError(f"worker {self.name} died:\n{tail}")
        data: dict[str, Any] = json.loads(line)
        return data

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one request, return its answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        """Stop the child (closing stdin ends its loop)."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@dataclass
class Served:
    """A child HTTP server on 127.0.0.1 and its base URL."""

    proc: subprocess.Popen[str]
    url: str
    port: int

    def close(self) -> None:
        """Stop the server."""
        stop(self.proc)


def serve_folder(folder: Path, keep_alive: bool = True, tls: Path | None = None) -> Served:
    """``folder`` on a free port of 127.0.0.1: HTTP/1.1 keep-alive (benchmarks.imageserver),
    over https with ``tls`` (a ``make_pki`` directory), or with ``keep_alive=False``
    ``python -m http.server`` (HTTP/1.0, a connection per image)."""
    tls_args = ["--tls", str(tls)] if tls else []
    argv = ([PY, "-u", "-m", "benchmarks.imageserver", str(folder), *tls_args] if keep_alive else
            [PY, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(folder),
             "0"])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"port (\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"image server did not start: {line!r}")
    port = int(match.group(1))
    return Served(proc, f"{'https' if tls else 'http'}://127.0.0.1:{port}", port)


def core_env(model: Path, *image_ports: int, extra: dict[str, str] | None = None
             ) -> dict[str, str]:
    """The environment our service reads: the model and permission to fetch from 127.0.0.1
    on the image hosts' ports."""
    ports = ",".join(str(port) for port in (80, 443, *image_ports))
    # SERVER_TIMEOUT: the bench keeps one keep-alive connection per server worker and asks it
    # again only after every other system's turn (TensorFlow's included), which can exceed the
    # local server's 15 s idle timeout; warm requests are what is measured, not reconnects.
    env = {"MODEL_PATH": str(model), "ALLOW_PRIVATE_URLS": "true", "ALLOWED_PORTS": ports,
           "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "SERVER_TIMEOUT": "3600"}
    env.update(extra or {})
    return env


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, rounded: recorded beside every timing."""
    return [round(x, 2) for x in os.getloadavg()]


def run_record(runs: int, load: list[float] | None = None) -> dict[str, Any]:
    """The head of a benchmark's data file: when (UTC), how many runs, the load average at the
    start (``load``, or now) and the CPU count."""
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": runs,
            "load": load_average() if load is None else load, "cpus": os.cpu_count()}


def write_json(path: Path, data: Any) -> None:
    """Pretty JSON, parents created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
