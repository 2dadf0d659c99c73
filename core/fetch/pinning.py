"""Connections pinned to a validated address: DNS rebinding cannot move a fetch.

``PinnedPools`` opens one urllib3 connection pool per (scheme, validated IP, port, host name): the
socket goes to the IP that ``core.fetch.url_policy.UrlPolicy.check`` validated, while the Host
header,
TLS SNI and the certificate check keep the original host name. urllib3 reads no proxy variables
and no ``.netrc``, so nothing in the environment can redirect or decorate a fetch. A watchdog
shuts the socket when the deadline passes while a server drips its response headers.
"""

from __future__ import annotations

import _thread
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from core.fetch.target import Address, Target, host_header
from core.fetch.tls import tls_context

__all__ = ["LOCAL", "Address", "PinnedPools", "Target", "clip", "host_header", "tls_context"]

LOCAL = threading.local()
_MAX_POOLS = 8  # per thread; the oldest is closed beyond this


def clip(timeout: tuple[float, float], deadline: float | None) -> tuple[float, float]:
    """(connect, read) timeouts, each cut to what is left before ``deadline``."""
    if deadline is None:
        return timeout
    remaining = max(0.001, deadline - time.monotonic())
    return (min(timeout[0], remaining), min(timeout[1], remaining))


class _Reaper:
    """One daemon thread that shuts the sockets whose deadline has passed.

    A ``threading.Timer`` per request cost about 1 ms (starting a thread) on every fetch; this
    thread is started once, sleeps until the nearest deadline and is woken only when a new
    deadline comes before the one it sleeps towards (not once per request).
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._watched: dict[int, tuple[float, HTTPConnection]] = {}
        self._keys = itertools.count()
        self._started = False
        self._wake_at = float("inf")

    def add(self, deadline: float, connection: HTTPConnection) -> int:
        """Watch ``connection`` until ``remove``; shut it if ``deadline`` passes first."""
        with self._cv:
            key = next(self._keys)
            self._watched[key] = (deadline, connection)
            if not self._started:  # a bare thread: Thread.start would wait for it to run
                self._started = True
                _thread.start_new_thread(self._run, ())
            if deadline < self._wake_at:
                self._cv.notify()
        return key

    def remove(self, key: int) -> None:
        """Stop watching (the response headers arrived in time, or failed)."""
        with self._cv:
            self._watched.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._cv:
                now = time.monotonic()
                late = [k for k, (deadline, _) in self._watched.items() if deadline <= now]
                expired = [self._watched.pop(k)[1] for k in late]
                if not expired:
                    self._wake_at = min((d for d, _ in self._watched.values()),
                                        default=float("inf"))
                    wait = None if self._wake_at == float("inf") else self._wake_at - now
                    self._cv.wait(wait)
                    self._wake_at = float("-inf")  # awake: every add must notify
            for connection in expired:
                _shutdown(connection)


_REAPER = _Reaper()


@contextmanager
def _watchdog(connection: HTTPConnection) -> Iterator[None]:
    """Shut the socket down when the deadline passes while waiting for response headers."""
    deadline: float | None = getattr(LOCAL, "deadline", None)
    if deadline is None:
        yield
        return
    key = _REAPER.add(deadline, connection)
    try:
        yield
    finally:
        _REAPER.remove(key)


def _shutdown(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(HTTPConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        with _watchdog(self):
            return super().getresponse()


class _HTTPSConnection(HTTPSConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        with _watchdog(self):
            return super().getresponse()


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PinnedPools:
    """Keep-alive connection pools for one thread, each bound to one validated address."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}

    def pool(self, target: Target, address: Address) -> urllib3.HTTPConnectionPool:
        """The pool that connects to ``address`` for ``target``'s scheme, port and host."""
        key = (target.scheme, str(address), target.port, target.host)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._open(target, str(address))
            self._pools[key] = pool
            if len(self._pools) > _MAX_POOLS:
                self._pools.pop(next(iter(self._pools))).close()
        return pool

    @staticmethod
    def _open(target: Target, address: str) -> urllib3.HTTPConnectionPool:
        if target.scheme == "https":
            return _HTTPSPool(address, target.port, maxsize=1, retries=False,
                              ssl_context=tls_context(), cert_reqs="CERT_REQUIRED",
                              server_hostname=target.host, assert_hostname=target.host)
        return _HTTPPool(address, target.port, maxsize=1, retries=False)

    def close(self) -> None:
        """Close every pool (their sockets)."""
        while self._pools:
            self._pools.popitem()[1].close()
