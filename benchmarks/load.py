"""Load test: 1, 2, 4, 8 concurrent clients, a fixed number of requests each level.

Targets: our local server (``core.api.server.make_server``) and the GCP function
(``functions_framework.create_app(target="predict", source="gcp_function/main.py")``) under
``gunicorn --threads N``. Reports throughput and p50/p99 per level, and checks every answer
against the serial answer for the same image (scores within 1e-5, same ranking).
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import PY, ROOT, WORK, quantiles, run_clients, stop

LEVELS = (1, 2, 4, 8)
GCP_SOURCE = ROOT / "gcp_function" / "main.py"


def post(conn: http.client.HTTPConnection, url: str) -> tuple[int, Any]:
    """POST /predict {"url": url}; (status, parsed body)."""
    conn.request("POST", "/predict", json.dumps({"url": url}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = response.read()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, body[:200].decode("latin-1")


def same(a: Any, b: Any, tolerance: float = 1e-5) -> bool:
    """Same labels, ranking and scores within ``tolerance``."""
    if not isinstance(a, dict) or not isinstance(b, dict) or list(a) != list(b):
        return False
    return all(abs(float(a[k]) - float(b[k])) <= tolerance for k in a)


def level(port: int, urls: list[str], serial: dict[str, Any], clients: int,
          requests: int) -> dict[str, Any]:
    """One concurrency level: throughput, latency quantiles, wrong answers, errors."""
    lock = threading.Lock()
    state = {"next": 0, "wrong": 0, "errors": 0}
    times: list[float] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = state["next"]
                state["next"] += 1
            if index >= requests:
                break
            url = urls[index % len(urls)]
            started = time.perf_counter()
            status, body = post(conn, url)
            ms = (time.perf_counter() - started) * 1000
            with lock:
                times.append(ms)
                state["errors"] += status != 200
                state["wrong"] += status == 200 and not same(body, serial[url])
        conn.close()

    wall = run_clients(client, clients)
    stats = quantiles(times)
    return {"clients": clients, "requests": requests, "rps": round(requests / wall, 2),
            "p50_ms": stats["median"], "p99_ms": stats["p99"], "wrong": state["wrong"],
            "errors": state["errors"]}


def run_levels(port: int, urls: list[str], requests: int) -> list[dict[str, Any]]:
    """Serial answers first, then every level."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    serial: dict[str, Any] = {}
    for url in urls:
        status, body = post(conn, url)
        if status != 200:
            raise RuntimeError(f"serial request failed with {status}: {body}")
        serial[url] = body
    conn.close()
    return [level(port, urls, serial, clients, requests) for clients in LEVELS]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Block until something accepts on ``port``; raise if the process died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def gunicorn(env: dict[str, str], threads: int, urls: list[str], requests: int
             ) -> dict[str, Any]:
    """The GCP function under gunicorn (1 worker, ``threads`` threads), or why not."""
    if not GCP_SOURCE.is_file():
        return {"skipped": "gcp_function/main.py does not exist yet"}
    port = free_port()
    argv = [PY, "-m", "gunicorn", "--workers", "1", "--threads", str(threads), "--bind",
            f"127.0.0.1:{port}", "--timeout", "120", "benchmarks.gcp_wsgi:app"]
    log = (WORK / "gunicorn.log").open("w")
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_port(port, proc)
        return {"threads": threads, "levels": run_levels(port, urls, requests)}
    except RuntimeError as exc:
        return {"skipped": f"{exc} (see {Path(log.name).relative_to(ROOT)})"}
    finally:
        stop(proc, timeout=20)
        log.close()
