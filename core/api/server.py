"""The local and container HTTP server (``python -m core serve``): waitress in front of
``core.api.wsgi``.

waitress (pure Python, maintained by the Pylons project) parses HTTP; this module only sets it up:

* request heads must arrive within SERVER_TIMEOUT (15 s) and a whole request within four times
  that; an idle keep-alive connection is closed after SERVER_TIMEOUT (slowloris);
* at most SERVER_CONNECTIONS connections are open at once (more wait in the listen backlog),
  served by SERVER_THREADS threads;
* ``Transfer-Encoding: chunked`` is decoded by waitress with chunk-size lines and trailers
  bounded (``core.api.chunked``), any other coding is 501, and a request with both
  Transfer-Encoding and Content-Length is refused (400, connection closed): no smuggling behind
  a proxy that reads the other header;
* ``Expect: 100-continue`` on a request that will be refused (a Content-Length over
  MAX_BODY_BYTES, a bad head) gets the refusal at once, never ``100 Continue``;
* every protocol error waitress answers (400, 413, 431, 501) is JSON like the service's own;
  a body up to twice MAX_BODY_BYTES is read and refused by the service (413 with its request
  id, the client sees the answer); a longer one is refused by waitress from its Content-Length
  and the connection closed without reading it;
* ``Server`` names the service, never a version; TCP_NODELAY is on (waitress's default).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from core.api.chunked import BoundedChunkedReceiver
from core.api.service import Service
from core.api.wsgi import make_app

IDENT = "serverless-classifier"
BODY_SLACK = 2  # waitress reads bodies up to twice MAX_BODY_BYTES, so the service answers 413
# "Task queue depth is N" on every burst: the service logs its own line per request instead.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
_CODES = {400: "bad_request", 413: "payload_too_large", 431: "headers_too_large",
          501: "not_implemented", 500: "internal_error"}


class _Parser(HTTPRequestParser):  # type: ignore[misc]
    body_rcv: Any  # waitress's own attributes, untyped there
    error: Any
    expect_continue: bool

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ValueError as exc:  # int() of a Content-Length over 4,300 digits
            raise ParsingError("Content-Length is invalid") from exc
        if self.chunked and "CONTENT_LENGTH" in self.headers:
            self.connection_close = True
            raise ParsingError("a request may not carry both Transfer-Encoding and "
                               "Content-Length")
        if self.chunked:
            self.body_rcv = BoundedChunkedReceiver(self.body_rcv.buf,
                                                   self.adj.max_request_header_size)

    def received(self, data: bytes) -> int:
        """waitress's parsing; a client waiting for ``100 Continue`` gets a refusal at once."""
        consumed: int = super().received(data)
        limit = self.adj.max_request_body_size // BODY_SLACK
        if self.error is None and self.expect_continue and self.content_length > limit:
            self.error = RequestEntityTooLarge(f"the request body is larger than {limit} bytes")
            self.completed = True
        if self.error is not None:  # waitress would send 100 Continue and wait for the body
            self.expect_continue = False
        return consumed


class _JsonError(ErrorTask):  # type: ignore[misc]
    """waitress's protocol-error answer, as the service's JSON error body."""

    def execute(self) -> None:
        error = self.request.error
        code = _CODES.get(error.code, "bad_request")
        body = json.dumps({"error": {"code": code, "message": str(error.body)[:200]}},
                          separators=(",", ":")).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):  # type: ignore[misc]
    parser_class = _Parser
    error_task_class = _JsonError
    partial_since: float | None = None  # when the request being received began

    def received(self, data: bytes) -> bool:
        if self.request is None and data and self.partial_since is None:
            self.partial_since = time.time()
        result: bool = super().received(data)
        if self.request is None:
            self.partial_since = None
        return result


class _Waitress(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel

    def maintenance(self, now: float) -> None:
        """waitress closes idle channels; also close requests that take too long to arrive."""
        super().maintenance(now)
        head_cutoff = now - self.adj.channel_timeout
        body_cutoff = now - 4 * self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            since = getattr(channel, "partial_since", None)
            request = channel.request
            if since is None or request is None or channel.requests:
                continue
            if since < (body_cutoff if request.headers_finished else head_cutoff):
                channel.will_close = True


class Server:
    """A waitress server bound to (host, port), with the socketserver-like calls tests use."""

    def __init__(self, service: Service, host: str, port: int) -> None:
        settings = service.settings
        self._server = _Waitress(
            make_app(service), host=host, port=port, ident=IDENT,
            threads=settings.server_threads, connection_limit=settings.server_connections,
            channel_timeout=settings.server_timeout, cleanup_interval=1,
            asyncore_loop_timeout=0.5,
            max_request_body_size=BODY_SLACK * settings.max_body_bytes,
            max_request_header_size=64 * 1024, expose_tracebacks=False)
        self.server_address: tuple[str, int] = self._server.socket.getsockname()[:2]
        self._stop = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (or Ctrl-C)."""
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                self._server.asyncore.loop(timeout=0.5, map=self._server._map, count=1)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` and wait for it to return."""
        self._stop.set()
        self._server.pull_trigger()
        self._stopped.wait(5)

    def server_close(self) -> None:
        """Close the listening socket, every connection and the worker threads."""
        for channel in list(self._server._map.values()):
            channel.close()
        self._server.task_dispatcher.shutdown(timeout=5)

    @property
    def adjustments(self) -> Any:
        """waitress's effective settings."""
        return self._server.adj


def make_server(service: Service, host: str = "127.0.0.1", port: int = 8080) -> Server:
    """A server bound to (host, port) answering with ``service`` (port 0: any free port)."""
    return Server(service, host, port)
