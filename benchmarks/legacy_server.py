"""The hand-written http.server that ``python -m core serve`` ran before waitress, kept only so
that ``make bench`` measures the waitress server's throughput beside it in the same run. It has
every flaw that made us replace it (no timeouts, Transfer-Encoding ignored, ...): never serve
with it."""

from __future__ import annotations

from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from core import errors
from core.api.service import Service
from core.messages import Request, Response, lower_headers, parse_query

_DRAIN_LIMIT = 64 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    server_version = "serverless-classifier"
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, a keep-alive client's delayed ACK
    # holds the body back ~40 ms (measured: +46 ms per request before this line).
    disable_nagle_algorithm = True
    service: Service

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        headers = lower_headers(dict(self.headers.items()))
        request = Request(method=self.command, path=parts.path or "/", headers=headers,
                          query=parse_query(parts.query))
        limit = self.service.settings.max_body_bytes
        length_text = headers.get("content-length", "0") or "0"
        if not length_text.isdigit():
            invalid = errors.BadRequest("invalid Content-Length")
            self._send(self.service.reject(request, invalid), close=True)
            return
        length = int(length_text)
        if length > limit:
            self._discard(length)
            too_large = errors.PayloadTooLarge(f"the request body is larger than {limit} bytes")
            self._send(self.service.reject(request, too_large), close=True)
            return
        body = self.rfile.read(length) if length else b""
        self._send(self.service.handle(replace(request, body=body)))

    def _discard(self, length: int) -> None:
        """Read and drop a moderately oversized body so the client sees the 413, not a reset."""
        if length > _DRAIN_LIMIT:
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)

    def _send(self, response: Response, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the service logs one JSON line per request itself."""


class Server(ThreadingHTTPServer):
    """Threaded server; worker threads are daemons so Ctrl-C stops at once."""

    daemon_threads = True
    allow_reuse_address = True


def make_server(service: Service, host: str = "127.0.0.1", port: int = 8080) -> Server:
    """A server bound to (host, port) answering with ``service`` (port 0: any free port)."""
    handler = type("Handler", (_Handler,), {"service": service})
    return Server((host, port), handler)
