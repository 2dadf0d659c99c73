"""The real functions-framework server loads the model at import, once per instance.

functions-framework imports the source (``create_app``) before gunicorn listens, so the model
must be loaded by the time the port accepts a connection, with no request sent; then many
requests, some at once on the server's threads, still find that one model, and the first answer
writes the instance's ``cold_start`` line with the same phases as Lambda's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from tests import images
from tests.conftest import ROOT
from tests.processes import free_port, stop

STARTUP_SECONDS = 60


def wait_listening(process: subprocess.Popen[bytes], port: int) -> None:
    """Until 127.0.0.1:port accepts a TCP connection (no HTTP request is sent)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"functions-framework exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port} after {STARTUP_SECONDS} s")


def log_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_one_model_load_serves_every_request(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    cli = Path(sys.executable).parent / "functions-framework"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", "MODEL_THREADS": "1",
           "THREADS": "4"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(cli), "--source", str(ROOT / "gcp_function" / "main.py"), "--target",
             "predict", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_listening(process, port)
        loaded = [line for line in log_lines(log) if line.get("event") == "model_loaded"]
        assert len(loaded) == 1, log.read_text()  # at import, before any request

        def post(_: int) -> int:
            return requests.post(f"http://127.0.0.1:{port}/predict", data=images.jpeg(),
                                 headers={"Content-Type": "image/jpeg"}, timeout=60).status_code

        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(post, range(8)))
        assert statuses == [200] * 8
    finally:
        stop(process)
    lines = log_lines(log)
    assert [line.get("event") for line in lines].count("model_loaded") == 1
    answered = [line for line in lines if "httpRequest" in line]
    assert len(answered) == 8
    assert sorted(line["cold_start"] for line in answered) == [False] * 7 + [True]
    [init] = [line for line in lines if line.get("event") == "cold_start"]
    assert init["source"] == "package"
    for phase in ("imports_ms", "load_ms", "create_ms", "init_ms", "first_request_ms",
                  "first_inference_ms"):  # the Lambda line's phases
        assert isinstance(init[phase], float) and init[phase] > 0, phase
