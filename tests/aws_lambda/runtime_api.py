"""A small Lambda Runtime API (2018-06-01) on 127.0.0.1, for the real awslambdaric client.

It implements what a runtime client calls: ``GET /runtime/invocation/next`` (blocks until an
event is queued), ``POST /runtime/invocation/{id}/response``, ``POST .../{id}/error`` and
``POST /runtime/init/error``. ``invoke`` queues one event and waits for what comes back.
SnapStart's ``GET /runtime/restore/next`` (the client asks for it after its before-snapshot
hooks; the answer is the restore) blocks until ``restore()``; ``POST /runtime/restore/error``
is recorded as "restore_error".
"""

from __future__ import annotations

import json
import queue
import re
import sys
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:classifier"


@dataclass
class Outcome:
    """What the runtime posted back: ``kind`` is "response", "error" or "init_error"."""

    kind: str
    body: bytes
    headers: dict[str, str]
    request_id: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Pending:
    request_id: str
    event: bytes
    deadline_ms: int
    trace: str = field(default_factory=lambda: f"Root=1-{uuid.uuid4().hex[:8]}-"
                                                 f"{uuid.uuid4().hex[:24]}")
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None


class _Server(ThreadingHTTPServer):
    """The HTTP server. A client gone mid-request is no error: a runtime client stopped while
    its ``/next`` waited (every container start of the benchmarks ends so) would otherwise
    print a traceback for each."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # reset, broken pipe, aborted
            return
        super().handle_error(request, client_address)


class RuntimeApi:
    """The server; use as a context manager. ``posts`` records every POST in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._pending: dict[str, _Pending] = {}
        self.posts: list[Outcome] = []
        self.init_error = threading.Event()
        self.snapshot_taken = threading.Event()  # the client asked for restore/next
        self._restored = threading.Event()
        self._closed = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        """The value for AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def __enter__(self) -> RuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()

    def invoke(self, event: Any, timeout_s: float = 60.0, budget_ms: int = 30_000,
               trace: str | None = None) -> Outcome:
        """Queue ``event`` (JSON) and wait up to ``timeout_s`` for its response or error;
        ``trace`` is the X-Ray header sent as Lambda-Runtime-Trace-Id (a random one if None)."""
        pending = _Pending(str(uuid.uuid4()), json.dumps(event).encode(),
                           int(time.time() * 1000) + budget_ms)
        if trace is not None:
            pending.trace = trace
        self._pending[pending.request_id] = pending
        self._queue.put(pending)
        if not pending.done.wait(timeout_s) or pending.outcome is None:
            raise TimeoutError(f"no answer to invocation {pending.request_id} in {timeout_s} s")
        return pending.outcome

    def restore(self) -> None:
        """Answer the pending ``restore/next``: the environment resumes from its snapshot."""
        self._restored.set()

    def wait_restore(self) -> bool:
        """Block a ``restore/next`` request until ``restore()``; False when shutting down."""
        self.snapshot_taken.set()
        while not self._closed.is_set():
            if self._restored.wait(0.2):
                return True
        return False

    def next_event(self) -> _Pending | None:
        while not self._closed.is_set():
            try:
                return self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
        return None

    def record(self, kind: str, request_id: str, body: bytes, headers: dict[str, str]) -> None:
        outcome = Outcome(kind, body, headers, request_id)
        self.posts.append(outcome)
        if kind == "init_error":
            self.init_error.set()
            return
        pending = self._pending.get(request_id)
        if pending is not None:
            pending.outcome = outcome
            pending.done.set()


_POST = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)$")


def _handler_for(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == PREFIX + "/restore/next":
                status = 200 if api.wait_restore() else 503
                return self._send(status, b"")
            if self.path != PREFIX + "/invocation/next":
                return self._send(404, b'{"errorType":"NotFound"}')
            pending = api.next_event()
            if pending is None:
                return self._send(503, b'{"errorType":"ShuttingDown"}')
            self._send(200, pending.event, {
                "Lambda-Runtime-Aws-Request-Id": pending.request_id,
                "Lambda-Runtime-Deadline-Ms": str(pending.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Lambda-Runtime-Trace-Id": pending.trace,
            })

        def do_POST(self) -> None:
            body = self._body()
            headers = {k: v for k, v in self.headers.items()}
            if self.path == PREFIX + "/init/error":
                api.record("init_error", "", body, headers)
                return self._send(202, b'{"status":"OK"}')
            if self.path == PREFIX + "/restore/error":
                api.record("restore_error", "", body, headers)
                return self._send(202, b'{"status":"OK"}')
            match = _POST.match(self.path)
            if match is None:
                return self._send(404, b'{"errorType":"NotFound"}')
            api.record(match.group(2), match.group(1), body, headers)
            self._send(202, b'{"status":"OK"}')

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = bytearray()
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return bytes(data)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):  # the client already left
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

    return Handler
