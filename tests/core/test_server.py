"""The local server over real HTTP, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.api.server import Server, make_server
from core.api.service import Service
from core.pipeline.predict import PredictInput
from core.pipeline.timings import Timings
from tests import images
from tests.conftest import ROOT
from tests.processes import stop


@pytest.fixture
def server(service: Service) -> Iterator[str]:
    srv: Server = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def call(url: str, body: bytes | None = None, kind: str = "application/json",
         method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": kind} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_predict_over_http(server: str, image_server: HTTPServer, service: Service) -> None:
    payload = json.dumps({"url": image_server.url_for("/img/photo.jpg")}).encode()
    status, headers, body = call(f"{server}/predict", payload)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert "inference;dur=" in headers["Server-Timing"]
    direct = service.pipeline.predict_input(PredictInput(image=images.jpeg()), Timings(),
                                             time.monotonic() + 60)
    assert json.loads(body) == direct


def test_errors_over_http(server: str) -> None:
    assert call(f"{server}/nope")[0] == 404
    assert call(f"{server}/predict")[0] == 405
    status, _, body = call(f"{server}/predict", b"{bad", "application/json")
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_json"


def test_oversized_body_is_refused_before_reading(server: str, service: Service) -> None:
    body = b"x" * (service.settings.max_body_bytes + 10)
    status, _, raw = call(f"{server}/predict", body, "image/jpeg")
    assert status == 413
    assert json.loads(raw)["error"]["code"] == "payload_too_large"


def test_concurrent_requests_match_serial_answers(server: str) -> None:
    bodies = [images.jpeg(seed=seed) for seed in range(4)]
    serial = [call(f"{server}/predict", b, "image/jpeg")[2] for b in bodies]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda b: call(f"{server}/predict", b, "image/jpeg")[2],
                                bodies * 4))
    assert answers == serial * 4


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_cli_predict_file_and_info(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(images.jpeg())
    result = run_cli("predict", str(photo), "--top-k", "3")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3
    info = json.loads(run_cli("info").stdout)
    assert info["name"] and len(info["labels"]) == 10


def test_cli_bad_configuration_is_one_line(tmp_path: Path) -> None:
    result = run_cli("info", env={"MODEL_THREADS": "lots"})
    assert result.returncode == 2
    assert result.stderr.strip() == "error: MODEL_THREADS has a bad value 'lots'"


def test_cli_serve_answers_health() -> None:
    process = subprocess.Popen([sys.executable, "-m", "core", "serve", "--port", "0"], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = ""
        while "serving" not in line:
            line = process.stderr.readline()
            assert line, "the server exited before serving"
        url = line.split(" on ")[1].split()[0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, _, body = call(f"{url}/health")
            if status == 200:
                break
        assert json.loads(body)["model_loaded"] is True
    finally:
        stop(process)
