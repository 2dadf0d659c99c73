"""Fair decoding and request cost under attack: ``python -m core serve`` with bomb clients.

    python -m benchmarks.fairness --bombs 8 --seconds 20 [--root CHECKOUT]

Bomb clients post, in a loop, a 650-byte lossless RGBA WebP that decodes to 3900 x 3900 pixels
(about 231 MB of decode memory by our estimate); good clients post a 24 kB photo. Reported: the
good photos' latency (p50, p90, max) and the bombs' answers. Then, alone: one Open Inference
request holding 16 such bombs, and one holding 1.4 million empty BYTES elements (time to the
answer, and its status). ``--root`` serves another checkout (to measure a change against the
code before it, alternated in one run). Traffic stays on 127.0.0.1. Writes
build/bench/fairness.json.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from PIL import Image

from benchmarks.soak import free_port
from tests import images

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench" / "fairness.json"
INFER = "/v2/models/clothing-mobilenet-v2/infer"


SIDE = 3900  # the bomb's side: --side 3600 is the largest the decode budget still admits


def bomb(side: int | None = None) -> bytes:
    buffer = io.BytesIO()
    side = side or SIDE
    Image.new("RGBA", (side, side), (1, 2, 3, 4)).save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def post(port: int, path: str, body: bytes, kind: str, headers: dict[str, str] | None = None
         ) -> tuple[int, float]:
    """(status, seconds) of one request on a fresh connection (0: no answer)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body, {"Content-Type": kind, **(headers or {})})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, time.perf_counter() - started
    finally:
        conn.close()


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the service on port {port} did not start")


def serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOG_LEVEL": "ERROR", "MODEL_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "core", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc)
    return proc


def under_attack(port: int, bombs: int, good: int, seconds: float) -> dict[str, Any]:
    """Good photos' latencies while ``bombs`` clients post bombs, for ``seconds``."""
    stop = threading.Event()
    photo, payload = images.jpeg(640, 480, seed=3), bomb()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def attacker() -> None:
        while not stop.is_set():
            status, _ = post(port, "/predict", payload, "image/webp")
            with lock:
                statuses[f"bomb {status}"] += 1

    def client() -> None:
        while not stop.is_set():
            status, seconds_taken = post(port, "/predict", photo, "image/jpeg")
            with lock:
                statuses[f"good {status}"] += 1
                if status == 200:
                    latencies.append(seconds_taken)

    threads = [threading.Thread(target=attacker, daemon=True) for _ in range(bombs)]
    threads += [threading.Thread(target=client, daemon=True) for _ in range(good)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(70)
    ordered = sorted(latencies) or [float("nan")]
    return {"good_p50_s": round(statistics.median(ordered), 3),
            "good_p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
            "good_max_s": round(ordered[-1], 3), "good_answers": len(latencies),
            "statuses": dict(statuses), "bomb_bytes": len(payload)}


def batch_costs(port: int) -> dict[str, Any]:
    """One v2 request of 16 bombs, and one of 1.4 M empty BYTES elements: status and time."""
    data = [base64.b64encode(bomb()).decode()] * 16
    doc = json.dumps({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [16],
                                  "data": data}]}).encode()
    bombs_status, bombs_s = post(port, INFER, doc, "application/json")
    count = 1_400_000
    header = json.dumps({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [count],
                                     "parameters": {"binary_data_size": 4 * count}}]}).encode()
    body = header + struct.pack("<I", 0) * count
    empty_status, empty_s = post(port, INFER, body, "application/octet-stream",
                                 {"Inference-Header-Content-Length": str(len(header))})
    return {"v2_16_bombs": {"status": bombs_status, "seconds": round(bombs_s, 3)},
            "v2_1.4M_empty_bytes": {"status": empty_status, "seconds": round(empty_s, 3)}}


def measure(root: Path, bombs: int, good: int, seconds: float) -> dict[str, Any]:
    port = free_port()
    proc = serve(root, port)
    try:
        post(port, "/predict", images.jpeg(), "image/jpeg")  # warm
        return {"root": str(root), "side": SIDE, **under_attack(port, bombs, good, seconds),
                **batch_costs(port)}
    finally:
        proc.terminate()
        proc.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bombs", type=int, default=8)
    parser.add_argument("--good", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--root", type=Path, action="append",
                        help="checkouts to serve, alternated (default: this one)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--side", type=int, default=3900, help="the bomb's width and height")
    args = parser.parse_args(argv)
    global SIDE
    SIDE = args.side
    roots = args.root or [ROOT]
    runs = [measure(root, args.bombs, args.good, args.seconds)
            for _ in range(args.rounds) for root in roots]
    for run in runs:
        print(json.dumps(run))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
