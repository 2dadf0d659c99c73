"""What the lesson's local tests need: a photo host on 127.0.0.1 and the in-process answer.

The lesson posts ``{"url": ...}`` to the function; here the URL is a photo served from
samples/ on 127.0.0.1, so nothing leaves the machine (the function runs with
ALLOW_PRIVATE_URLS=true, as every test that fetches from 127.0.0.1 does).
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aws_lambda.handler import handle_event
from core.api.service import Service
from core.config import Settings
from tests.aws_lambda.samples import Context
from tests.processes import in_thread

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "samples" / "coat.jpg"
EXAMPLES = ROOT / "examples" / "events"
# The same settings in the container, under SAM and in process.
ENV = {"MODEL_THREADS": "1", "ALLOW_PRIVATE_URLS": "true"}


def example(name: str) -> Any:
    """examples/events/``name``, as users send it."""
    return json.loads((EXAMPLES / name).read_text())


def photo_b64() -> str:
    return base64.b64encode(PHOTO.read_bytes()).decode("ascii")


@contextmanager
def photo_host() -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving the sample photo at /coat.jpg; yields its URL."""
    body = PHOTO.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/coat.jpg"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "image/jpeg" if found else "text/plain")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/coat.jpg"


@cache
def reference() -> Service:
    """The in-process service, with the settings the function runs with."""
    return Service(Settings.from_env(env=ENV))


def in_process(event: Any) -> Any:
    """The in-process handler's answer to ``event`` (what Lambda would return)."""
    return handle_event(reference(), event, Context())


def wait_for_port(port: int, timeout: float = 120.0) -> None:
    """Until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.2)
