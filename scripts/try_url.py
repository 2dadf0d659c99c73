#!/usr/bin/env python3
"""Classify the sample photos by URL, the lesson's ``{"url": ...}`` contract, all on 127.0.0.1.

    make try-url                        # what this runs: .venv/bin/python scripts/try_url.py

Serves ``samples/`` with the standard library's HTTP server on 127.0.0.1 (a free port), starts
``python -m core serve`` with ``URL_ALLOWLIST=127.0.0.1/32`` and ``ALLOWED_PORTS=<that port>``
(image URLs are refused on private addresses and other ports by default), POSTs one
``{"url": ...}`` per photo and prints each answer. ``--service URL`` uses a service that is
already running instead (start it with the same two variables).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def image_host(directory: Path, port: int = 0) -> Iterator[int]:
    """Serve ``directory`` on 127.0.0.1; yield the port."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def service(image_port: int, python: str = sys.executable) -> Iterator[str]:
    """``python -m core serve`` on a free port, allowed to fetch from the image host."""
    env = {**os.environ, "URL_ALLOWLIST": "127.0.0.1/32", "ALLOWED_PORTS": str(image_port),
           "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([python, "-m", "core", "serve", "--port", "0"], cwd=ROOT, env=env,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = ""
        while "serving" not in line:
            line = process.stderr.readline()
            if not line:
                raise SystemExit("try-url: the service exited before serving")
        yield line.split(" on ")[1].split()[0]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def predict(service_url: str, image_url: str, top_k: int = 3) -> tuple[int, Any]:
    """POST ``{"url": image_url}``; the status and the JSON answer."""
    body = json.dumps({"url": image_url, "top_k": top_k}).encode()
    request = urllib.request.Request(f"{service_url}/predict", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def run(service_url: str | None, image_port: int) -> int:
    """Classify every sample; 0 when every answer is a 200."""
    photos = sorted(p.name for p in SAMPLES.glob("*.jpg"))
    with image_host(SAMPLES, image_port) as port, \
            (service(port) if service_url is None else _given(service_url)) as url:
        print(f"image host http://127.0.0.1:{port}/ (samples/), service {url}")
        failed = 0
        for name in photos:
            image_url = f"http://127.0.0.1:{port}/{name}"
            status, answer = predict(url, image_url)
            print(f"{image_url} -> {status} {json.dumps(answer)}")
            failed += status != 200
    return 1 if failed else 0


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", help="a running service's base URL (default: start one)")
    parser.add_argument("--image-port", type=int, default=0,
                        help="port of the image host (default: a free one)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    code = run(args.service, args.image_port)
    print(f"done in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
