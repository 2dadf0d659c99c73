"""SnapStart: the hooks renew random state and connections, and the real client runs them.

The snapshot itself (Firecracker freezing the environment's memory) cannot happen here; what
can is everything around it: the hooks registered with awslambdaric's ``snapshot_restore_py``,
run by awslambdaric's own hooks runner, and the runtime client's snap-start init sequence
(before-snapshot hooks, ``GET /runtime/restore/next``, after-restore hooks) against the
suite's Runtime API server.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import snapshot_restore_py
from awslambdaric import lambda_runtime_hooks_runner

from aws_lambda import snapstart
from core.api.service import Service
from core.messages import Request
from tests import images
from tests.aws_lambda.test_runtime import TASK_ROOT, runtime
from tests.conftest import make_settings
from tests.processes import in_thread


class KeepAliveImages(ThreadingHTTPServer):
    """An HTTP/1.1 keep-alive server on 127.0.0.1 that serves one JPEG and records, per
    request, the client's (host, port): one port per TCP connection."""

    daemon_threads = True

    def __init__(self) -> None:
        self.clients: list[tuple[str, int]] = []
        body = images.jpeg()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(inner) -> None:
                self.clients.append(inner.client_address[:2])
                inner.send_response(200)
                inner.send_header("Content-Type", "image/jpeg")
                inner.send_header("Content-Length", str(len(body)))
                inner.end_headers()
                inner.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/photo.jpg"


@contextmanager
def image_host() -> Iterator[KeepAliveImages]:
    with in_thread(KeepAliveImages()) as server:
        yield server


@pytest.fixture
def hook_registry() -> Iterator[None]:
    """An empty snapshot_restore_py registry for the test; the previous one put back after."""
    before = snapshot_restore_py.get_before_snapshot()
    after = snapshot_restore_py.get_after_restore()
    saved = (before[:], after[:])
    before.clear()
    after.clear()
    yield
    before[:], after[:] = saved


def predict(service: Service, url: str) -> int:
    body = json.dumps({"url": url}).encode()
    response = service.handle(Request("POST", "/predict", body=body,
                                      headers={"content-type": "application/json"}))
    return response.status


def test_the_hooks_renew_random_state_and_connections(hook_registry: None, classifier: Any) -> None:
    service = Service(make_settings(), classifier=classifier)
    assert snapstart.register(service)
    assert len(snapshot_restore_py.get_before_snapshot()) == 1
    assert len(snapshot_restore_py.get_after_restore()) == 1
    with image_host() as host:
        assert predict(service, host.url) == 200
        assert predict(service, host.url) == 200
        assert host.clients[0] == host.clients[1]  # keep-alive: one connection so far
        random.seed(1234)  # the state a snapshot would carry into every copy
        np.random.seed(1234)

        lambda_runtime_hooks_runner.run_before_snapshot()  # as awslambdaric runs them
        lambda_runtime_hooks_runner.run_after_restore()

        assert random.getrandbits(64) != random.Random(1234).getrandbits(64)
        assert np.random.randint(2**62) != np.random.RandomState(1234).randint(2**62)
        assert predict(service, host.url) == 200  # still answers, on a new connection
        assert predict(service, host.url) == 200
    assert host.clients[2] != host.clients[0]
    assert host.clients[3] == host.clients[2]  # and keeps that one alive again
    assert len(set(host.clients)) == 2


def test_register_needs_the_runtime_module(monkeypatch: pytest.MonkeyPatch,
                                           classifier: Any) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)
    assert snapstart.register(Service(make_settings(), classifier=classifier)) is False


def test_the_runtime_client_runs_the_hooks_around_the_snapshot(tmp_path: Path) -> None:
    # awslambdaric in snap-start mode: init (model loaded), before-snapshot hooks, then
    # restore/next, which the server holds as the snapshot; after restore, invocations.
    log = tmp_path / "child.log"
    with runtime("lambda_function.lambda_handler", TASK_ROOT, log,
                 AWS_LAMBDA_INITIALIZATION_TYPE="snap-start") as api:
        assert api.snapshot_taken.wait(60), log.read_text()
        before = log.read_text()
        assert '"event":"before_snapshot"' in before and "after_restore" not in before
        api.restore()
        answer = api.invoke({"image": base64.b64encode(images.jpeg()).decode()})
        assert answer.kind == "response", log.read_text()
        assert len(answer.json()) == 10
    text = log.read_text()
    assert text.index('"event":"after_restore"') > text.index('"event":"before_snapshot"')
    assert not [p for p in api.posts if p.kind in ("init_error", "restore_error")]
