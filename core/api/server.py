"""The local and container HTTP server (``python -m core serve``): waitress in front of
``core.api.wsgi``.

waitress (pure Python, maintained by the Pylons project) parses HTTP; this module only sets it up:

* a request head must be complete within SERVER_HEAD_TIMEOUT (5 s) of the connection opening
  or of its first byte, whole request within four times SERVER_TIMEOUT; an idle keep-alive
  connection is closed after SERVER_TIMEOUT (15 s): silent and half-sent connections hold a
  slot for a few seconds only (slowloris);
* at most SERVER_CONNECTIONS connections are open at once (more wait in the listen backlog),
  served by SERVER_THREADS threads; the event loop uses poll(), not select() and its 1,024
  descriptor ceiling, and the soft open-file limit is raised towards the hard one to fit;
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

import ipaddress
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
from core.api.fdlimit import connection_cap, limit_notes
from core.api.service import Service
from core.api.wsgi import make_app
from core.config import Settings

IDENT = "serverless-classifier"
ACCEPT_BATCH = 64  # connections accepted per pass of the event loop, at most
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # when the request being received began: a new connection owes its first head now
        self.partial_since: float | None = self.creation_time

    def received(self, data: bytes) -> bool:
        if self.request is None and data and self.partial_since is None:
            self.partial_since = time.time()
        result: bool = super().received(data)
        if self.request is None:
            self.partial_since = None
        return result


class _Waitress(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel
    head_timeout = 5.0

    def handle_accept(self) -> None:
        """Accept every waiting connection up to the cap, not one per pass of the loop: each
        pass polls every open connection, so one accept a pass lets reconnecting idle
        clients fill the listen backlog faster than it drains."""
        for _ in range(ACCEPT_BATCH):
            opened = len(self._map)
            if opened >= self.adj.connection_limit:
                return
            super().handle_accept()
            if len(self._map) == opened:  # nothing was waiting
                return

    def maintenance(self, now: float) -> None:
        """waitress closes idle keep-alive channels; also close heads and bodies that are late."""
        super().maintenance(now)
        head_cutoff = now - self.head_timeout
        body_cutoff = now - 4 * self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            since = getattr(channel, "partial_since", None)
            if since is None or channel.requests:
                continue
            request = channel.request
            in_body = request is not None and request.headers_finished
            if since < (body_cutoff if in_body else head_cutoff):
                channel.will_close = True


class Server:
    """A waitress server bound to (host, port), with the socketserver-like calls tests use."""

    def __init__(self, service: Service, host: str, port: int) -> None:
        settings = service.settings
        self.connection_limit, self.file_limits = connection_cap(settings.server_connections)
        self._server = _Waitress(
            make_app(service), host=host, port=port, ident=IDENT,
            threads=settings.server_threads, connection_limit=self.connection_limit,
            channel_timeout=settings.server_timeout, cleanup_interval=1,
            asyncore_loop_timeout=0.5, asyncore_use_poll=True,
            max_request_body_size=BODY_SLACK * settings.max_body_bytes,
            max_request_header_size=64 * 1024, expose_tracebacks=False)
        self._server.head_timeout = settings.server_head_timeout
        self.notes = limit_notes(settings.server_connections, self.connection_limit,
                                 self.file_limits)
        self.server_address: tuple[str, int] = self._server.socket.getsockname()[:2]
        self._stop = threading.Event()
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        """Serve until ``shutdown`` (or Ctrl-C)."""
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                self._server.asyncore.loop(timeout=0.5, map=self._server._map, count=1,
                                           use_poll=True)
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


def exposure_warning(host: str, settings: Settings) -> str | None:
    """One line when the server listens beyond this machine with no API key asked: the
    container or a developer's laptop is then open to anyone who can reach the address."""
    if settings.api_keys_sha256 or host.strip("[]").lower() == "localhost":
        return None
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        pass  # a host name, or "" (every address): beyond loopback
    return (f"warning: listening on {host or 'every address'} with no API key; anyone who can "
            "reach it may call the model (set API_KEYS_SHA256, or bind 127.0.0.1)")


def make_server(service: Service, host: str = "127.0.0.1", port: int = 8080) -> Server:
    """A server bound to (host, port) answering with ``service`` (port 0: any free port)."""
    return Server(service, host, port)
