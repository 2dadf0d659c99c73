"""What the Open Inference Protocol costs: a binary v2 infer beside ``POST /predict``.

Both requests carry the same photo's bytes: ``POST /predict`` as a raw ``image/jpeg`` body, the
v2 infer as one BYTES element through the binary data extension with every output binary (what
``tritonclient`` asks for by default). They alternate request by request, in a fresh random
order per pair, two ways: in-process through ``Service.handle`` (what every adapter calls) and
over HTTP to ``python -m core serve`` (the wire too).

Both requests run the same pipeline steps on the same bytes (decode, resize, inference, timed
in the answer's Server-Timing), and on a shared machine those steps' time swings by tens of ms
between neighbouring requests. So besides the end-to-end medians, each request's time outside
those steps (``rest``: parsing, routing, encoding, logging) is recorded; the judged figure is the
difference of the two ``rest`` medians in-process: what the protocol adds.

``python -m benchmarks.oip [PHOTO ...] [--pairs N]`` prints the JSON; the suite runs it as a
child process so the measurement has a process of its own.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import random
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import PY, ROOT, quantiles, stop
from benchmarks.latency import parse_server_timing

MODEL = "clothing-mobilenet-v2"
Send = Callable[[str, bytes, dict[str, str]], tuple[bytes, str]]  # body, Server-Timing
STEPS = ("decode", "resize", "inference")


def infer_request(photo: bytes) -> tuple[bytes, dict[str, str]]:
    """The v2 binary infer body and headers for one photo."""
    element = struct.pack("<I", len(photo)) + photo
    header = json.dumps({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1],
                                     "parameters": {"binary_data_size": len(element)}}],
                         "parameters": {"binary_data_output": True}}).encode()
    return header + element, {"Content-Type": "application/octet-stream",
                              "Inference-Header-Content-Length": str(len(header))}


def compare(send: Send, photos: list[bytes], pairs: int, seed: int = 0) -> dict[str, Any]:
    """``pairs`` interleaved (predict, infer) pairs over ``photos``; medians and differences."""
    rng = random.Random(seed)
    calls = {"predict": [("/predict", p, {"Content-Type": "image/jpeg"}) for p in photos],
             "infer": [(f"/v2/models/{MODEL}/infer", *infer_request(p)) for p in photos]}
    for kind in calls:  # warm both paths
        send(*calls[kind][0])
    ms: dict[str, list[float]] = {"predict": [], "infer": []}
    rest: dict[str, list[float]] = {"predict": [], "infer": []}
    for index in range(pairs):
        for kind in rng.sample(list(calls), 2):
            path, body, headers = calls[kind][index % len(photos)]
            started = time.perf_counter()
            _, timing = send(path, body, headers)
            total = (time.perf_counter() - started) * 1000
            ms[kind].append(total)
            rest[kind].append(total - sum(v for k, v in parse_server_timing(timing).items()
                                          if k in STEPS))
    return {"pairs": pairs, "photos": len(photos),
            "e2e_ms": {k: quantiles(v) for k, v in ms.items()},
            "rest_ms": {k: quantiles(v) for k, v in rest.items()},
            "extra_e2e_ms": _extra(ms), "extra_rest_ms": _extra(rest)}


def _extra(ms: dict[str, list[float]]) -> float:
    return round(statistics.median(ms["infer"]) - statistics.median(ms["predict"]), 3)


def in_process(photos: list[bytes], pairs: int) -> dict[str, Any]:
    """Through ``Service.handle``, no HTTP."""
    from core.api.service import Service
    from core.messages import Request, lower_headers

    service = Service()
    service.warm()

    def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[bytes, str]:
        response = service.handle(Request("POST", path, lower_headers(headers), body=body))
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {response.body[:200]!r}")
        return response.body, response.headers.get("Server-Timing", "")
    return compare(send, photos, pairs)


def over_http(photos: list[bytes], pairs: int) -> dict[str, Any]:
    """Over one keep-alive connection to ``python -m core serve``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = subprocess.Popen([PY, "-m", "core", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn = _connect(port, proc)

        def send(path: str, body: bytes, headers: dict[str, str]) -> tuple[bytes, str]:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {data[:200]!r}")
            return data, response.getheader("Server-Timing", "")
        return compare(send, photos, pairs)
    finally:
        stop(proc)


def _connect(port: int, proc: subprocess.Popen[bytes]) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/v2/health/ready")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return conn
        except OSError:
            pass
        conn.close()
        time.sleep(0.1)
    raise RuntimeError("python -m core serve did not come up")


def sample_photo(seed: int) -> bytes:
    """A 500x400 JPEG (about a validation photo's size) when no photos are given."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (50, 40, 3), dtype=np.uint8)
    image = Image.fromarray(noise, "RGB").resize((400, 500), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def measure(photos: list[Path], pairs: int) -> dict[str, Any]:
    """Both measurements in a child process (the suite's entry point)."""
    out = subprocess.run([PY, "-m", "benchmarks.oip", *map(str, photos), "--pairs", str(pairs)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> int:
    """Measure and print JSON."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.oip")
    p.add_argument("photos", nargs="*", type=Path, help="JPEG photos (default: generated)")
    p.add_argument("--pairs", type=int, default=300, help="(predict, infer) pairs per way")
    args = p.parse_args()
    photos = [p.read_bytes() for p in args.photos] or [sample_photo(s) for s in range(8)]
    result = {"in_process": in_process(photos, args.pairs),
              "http": over_http(photos, args.pairs)}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
