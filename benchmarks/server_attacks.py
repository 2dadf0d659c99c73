"""Attacks on the local server's connection handling, for ``make soak``.

* ``IdleSockets``: many connections that send nothing or half a request line, each reopened as
  soon as the server closes it, so the attacker always holds ``count`` sockets.
* ``ChunkExtensions``: clients streaming one endless chunk extension (``1;aaaa...``), which
  costs bandwidth only; reconnecting when the server refuses it.
* ``fresh_requests``: a good request on a new connection each time, timed from connect to answer.
* ``expect_continue``: ``Expect: 100-continue`` with an over-limit Content-Length; what comes back.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import statistics
import threading
import time
from typing import Any

HOST = "127.0.0.1"


class IdleSockets:
    """``count`` sockets held open against 127.0.0.1:``port``, half of them with a partial line."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.reopened = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._thread.join(30)
        return {"idle_closed_by_server": self.reopened, "idle_connect_failures": self.failed}

    def _open(self, index: int, selector: selectors.BaseSelector) -> None:
        try:
            sock = socket.create_connection((HOST, self.port), timeout=2)
            if index % 2:
                sock.sendall(b"GET /v2/hea")
        except OSError:
            self.failed += 1
            return
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, index)

    def _hold(self) -> None:
        with selectors.DefaultSelector() as selector:
            for index in range(self.count):
                if self._stop.is_set():
                    break
                self._open(index, selector)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    selector.unregister(key.fileobj)
                    key.fileobj.close()  # type: ignore[union-attr]
                    self.reopened += 1
                    self._open(key.data, selector)
                held = len(selector.get_map())
                for index in range(held, self.count):  # refill after connect failures
                    self._open(index, selector)
            for key in list(selector.get_map().values()):
                key.fileobj.close()  # type: ignore[union-attr]


class ChunkExtensions:
    """``count`` threads each streaming an endless chunk extension to 127.0.0.1:``port``."""

    HEAD = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n1;")

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.sent = 0
        self.refused = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._stream, daemon=True) for _ in range(count)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> dict[str, int]:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        return {"extension_bytes_sent": self.sent, "extension_connections_refused": self.refused}

    def _stream(self) -> None:
        block = b"a" * 65536
        while not self._stop.is_set():
            try:
                with socket.create_connection((HOST, self.port), timeout=5) as sock:
                    sock.sendall(self.HEAD)
                    while not self._stop.is_set():
                        sock.sendall(block)
                        self.sent += len(block)
            except OSError:  # the server answered and closed, or reset the connection
                self.refused += not self._stop.is_set()
                time.sleep(0.01)


def fresh_requests(port: int, count: int, timeout: float = 10.0, gap: float = 0.0,
                   raw: bytes = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                   ) -> dict[str, Any]:
    """``count`` requests ``gap`` seconds apart, each on a new connection: seconds from
    connect to the status line (``timeout`` when there was none)."""
    took: list[float] = []
    failed = 0
    for index in range(count):
        time.sleep(gap if index else 0.0)
        started = time.perf_counter()
        try:
            with socket.create_connection((HOST, port), timeout=timeout) as sock:
                sock.sendall(raw)
                if not sock.recv(12).startswith(b"HTTP/1.1 "):
                    raise OSError("no status line")
            took.append(time.perf_counter() - started)
        except OSError:
            failed += 1
            took.append(timeout)
    return {"requests": count, "failed_or_over_timeout": failed, "timeout_s": timeout,
            "p50_s": round(statistics.median(took), 3), "max_s": round(max(took), 3)}


def expect_continue(port: int, length: int, wait: float = 5.0) -> dict[str, Any]:
    """An over-limit upload that waits for ``100 Continue``: the first answer and its delay."""
    head = (f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n").encode()
    started = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=wait) as sock:
        sock.sendall(head)
        try:
            first = sock.recv(4096)
        except TimeoutError:
            first = b""
        took = time.perf_counter() - started
        second = b""
        if first.startswith(b"HTTP/1.1 100"):
            sock.settimeout(min(wait, 2.0))
            with contextlib.suppress(TimeoutError):
                second = sock.recv(4096)
    status = first.split(b"\r\n", 1)[0].decode("latin-1")
    after = second.split(b"\r\n", 1)[0].decode("latin-1")
    return {"first_status_line": status, "then": after or None, "seconds": round(took, 3)}
