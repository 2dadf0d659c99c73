"""``make soak``'s good clients: keep-alive connections that check every answer.

``run`` sends a request mix from several threads and returns throughput, latency percentiles,
statuses and the answers that differ from the serial ones.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from typing import Any

from benchmarks.common import run_clients

Case = tuple[str, bytes, str, int]  # name, body, content type, expected status


class Client:
    """One keep-alive connection, reopened after any error."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, body: bytes, kind: str) -> tuple[int, bytes]:
        try:
            self.conn.request("POST", "/predict", body, {"Content-Type": kind})
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, b""


def run(port: int, mix: list[Case], total: int, clients: int, serial: dict[str, Any],
        budget: float) -> dict[str, Any]:
    """Send ``total`` requests from ``clients`` threads; collect latencies and verdicts."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    wrong: Counter[str] = Counter()
    counter = iter(range(total))
    stop_at = time.monotonic() + budget

    def worker() -> None:
        client = Client(port)
        while time.monotonic() < stop_at:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            name, body, kind, expected = mix[index % len(mix)]
            started = time.perf_counter()
            status, data = client.post(body, kind)
            took = time.perf_counter() - started
            bad = status != expected or (status == 200 and json.loads(data) != serial[name])
            with lock:
                latencies.append(took)
                statuses[status] += 1
                if bad:
                    wrong[name] += 1

    seconds = run_clients(worker, clients)
    latencies.sort()
    return {"requests": len(latencies), "seconds": round(seconds, 2),
            "throughput_rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 2),
            "status": {str(k): v for k, v in sorted(statuses.items())},
            "wrong_answers": dict(wrong)}
