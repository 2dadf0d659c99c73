"""Misbehaving HTTP servers on 127.0.0.1: drip, lie, bomb, stall, redirect. Each counts accepts."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket], None]


class HostileServer:
    """A TCP listener on 127.0.0.1 running ``behaviour`` on each accepted connection."""

    def __init__(self, behaviour: Behaviour, read_head: bool = True) -> None:
        self.behaviour = behaviour
        self.read_head = read_head
        self.accepts = 0
        self.requests: list[bytes] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def url(self, path: str = "/img.jpg", host: str = "127.0.0.1") -> str:
        """A URL on this server."""
        return f"http://{host}:{self.port}{path}"

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.accepts += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            if self.read_head:
                self.requests.append(_read_head(conn))
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        """Stop accepting; running behaviours end on their own (all are bounded)."""
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


@contextmanager
def serving(behaviour: Behaviour, read_head: bool = True) -> Iterator[HostileServer]:
    """A HostileServer for the duration of a with block (``read_head=False``: raw, e.g. TLS)."""
    server = HostileServer(behaviour, read_head)
    try:
        yield server
    finally:
        server.close()


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def head(status: str = "200 OK", **headers: str | int) -> bytes:
    """A response head."""
    lines = [f"HTTP/1.1 {status}"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def drip_body(interval: float = 0.5, total: float = 6.0) -> Behaviour:
    """Headers at once, then one body byte every ``interval`` (each read is quick)."""
    def run(conn: socket.socket) -> None:
        conn.sendall(head(Content_Type="image/jpeg", Content_Length=100000))
        ends = time.monotonic() + total
        while time.monotonic() < ends:
            conn.sendall(b"\xff")
            time.sleep(interval)
    return run


def drip_headers(interval: float = 0.3, total: float = 6.0) -> Behaviour:
    """A header line that never ends, one byte every ``interval``."""
    def run(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        ends = time.monotonic() + total
        while time.monotonic() < ends:
            conn.sendall(b"a")
            time.sleep(interval)
    return run


def stall(seconds: float = 6.0) -> Behaviour:
    """Accept, read the request, answer nothing."""
    return lambda conn: time.sleep(seconds)


def body(data: bytes, status: str = "200 OK", **headers: str | int) -> Behaviour:
    """Send ``data`` after the given headers, then close."""
    def run(conn: socket.socket) -> None:
        conn.sendall(head(status, **headers) + data)
    return run


def gzip_bomb(inflated: int = 50 * 1024 * 1024) -> bytes:
    """``inflated`` zero bytes, gzip-compressed (about 1/1000 the size)."""
    return gzip.compress(b"\0" * inflated, compresslevel=9)


def redirect(location: str, status: str = "302 Found") -> Behaviour:
    """A redirect to ``location``."""
    return body(b"", status, Location=location, Content_Length=0, Connection="close")


def chunked(size: int, piece: int = 65536) -> Behaviour:
    """A chunked body of ``size`` bytes with no Content-Length."""
    def run(conn: socket.socket) -> None:
        conn.sendall(head(Content_Type="image/jpeg", Transfer_Encoding="chunked"))
        sent = 0
        while sent < size:
            conn.sendall(f"{piece:x}\r\n".encode() + b"\0" * piece + b"\r\n")
            sent += piece
        conn.sendall(b"0\r\n\r\n")
    return run
