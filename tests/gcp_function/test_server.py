"""The real functions-framework server (gunicorn) on 127.0.0.1, one full round trip and more."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pytest_httpserver import HTTPServer

from tests import images
from tests.conftest import ROOT
from tests.processes import stop

LIMIT = 200_000
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"functions-framework exited with {process.returncode}")
        try:
            if requests.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"no healthy answer from {base} in {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """functions-framework serving gcp_function/main.py; core/ is found via PYTHONPATH, as the
    bundle finds it next to main.py."""
    port = free_port()
    cli = Path(sys.executable).parent / "functions-framework"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLOW_PRIVATE_URLS": "true",
           "MAX_BODY_BYTES": str(LIMIT), "MODEL_THREADS": "1", "THREADS": "4"}
    process = subprocess.Popen(
        [str(cli), "--source", str(ROOT / "gcp_function" / "main.py"), "--target", "predict",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(process, base)
        yield base
    finally:
        stop(process)


def test_round_trip_by_url(server: str, image_server: HTTPServer) -> None:
    url = image_server.url_for("/img/photo.jpg")
    response = requests.post(f"{server}/predict", json={"url": url}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-Id"]
    scores = response.json()
    assert isinstance(scores, dict) and all(isinstance(v, float) for v in scores.values())


def test_raw_image_and_routes(server: str) -> None:
    raw = requests.post(f"{server}/predict?top_k=1", data=images.jpeg(),
                        headers={"Content-Type": "image/jpeg"}, timeout=30)
    assert raw.status_code == 200 and len(raw.json()) == 1
    assert requests.get(f"{server}/model", timeout=10).json()["labels"]
    assert requests.get(f"{server}/nope", timeout=10).status_code == 404
    assert requests.get(f"{server}/predict", timeout=10).status_code == 405


def test_large_bodies_get_a_json_413(server: str) -> None:
    sized = requests.post(f"{server}/predict", data=b"\xff" * (LIMIT + 1),
                          headers={"Content-Type": "image/jpeg"}, timeout=30)
    assert sized.status_code == 413
    assert sized.json()["error"]["code"] == "payload_too_large"
    chunks = (b"\xff" * 50_000 for _ in range(6))  # no Content-Length: chunked encoding
    chunked = requests.post(f"{server}/predict", data=chunks,
                            headers={"Content-Type": "image/jpeg"}, timeout=30)
    assert chunked.status_code == 413
    assert chunked.json()["error"]["code"] == "payload_too_large"
