"""Connections pinned to a validated address: DNS rebinding cannot move a fetch.

``UrlPolicy.get`` (core/netpolicy.py) marks each prepared request with the (target, address) it
validated; ``PinnedAdapter`` then opens the connection pool on that IP while the Host header, TLS
SNI and the certificate check keep the original host name, and refuses any request not marked.
A watchdog shuts the socket when the deadline passes while a server drips its headers.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection

from core import errors

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
PIN = "_classifier_pin"
LOCAL = threading.local()


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, with the addresses its host resolved to."""

    url: str
    host: str
    port: int
    addresses: tuple[Address, ...]
    scheme: str = "http"


def same_host(a: str, b: str) -> bool:
    """True when two host spellings name the same host (IP literals compared as addresses)."""
    a, b = a.strip("[]").lower().rstrip("."), b.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


def host_header(target: Target) -> str:
    """The Host header value for ``target`` (port only when not the scheme's default)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def clip(timeout: tuple[float, float], deadline: float | None) -> tuple[float, float]:
    if deadline is None:
        return timeout
    remaining = max(0.001, deadline - time.monotonic())
    return (min(timeout[0], remaining), min(timeout[1], remaining))


def connect_failed(exc: requests.exceptions.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.
                      ConnectTimeoutError)


class _Reaper:
    """One daemon thread that shuts the sockets whose deadline has passed.

    A ``threading.Timer`` per request cost about 1 ms (starting a thread) on every fetch;
    this thread is started once and sleeps until the nearest deadline.
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._watched: dict[int, tuple[float, HTTPConnection]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: float, connection: HTTPConnection) -> int:
        """Watch ``connection`` until ``remove``; shut it if ``deadline`` passes first."""
        with self._cv:
            key = next(self._keys)
            self._watched[key] = (deadline, connection)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadline",
                                                daemon=True)
                self._thread.start()
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
                    nearest = min((d for d, _ in self._watched.values()), default=None)
                    self._cv.wait(None if nearest is None else nearest - now)
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


class PinnedAdapter(HTTPAdapter):
    """Connects only to the address ``UrlPolicy.get`` pinned on the request; refuses otherwise."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def get_connection_with_tls_context(
            self, request: requests.PreparedRequest, verify: Any, proxies: Any = None,
            cert: Any = None) -> urllib3.HTTPConnectionPool:
        pin: tuple[Target, Address] | None = getattr(request, PIN, None)
        if pin is None:
            raise errors.URLNotAllowed("the image URL was not checked before connecting")
        target, address = pin
        params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        port = params.get("port") or (443 if target.scheme == "https" else 80)
        if not same_host(str(params["host"]), target.host) or int(port) != target.port:
            raise errors.URLNotAllowed("the image URL's host is ambiguous")
        params["host"] = str(address)
        tls: dict[str, Any] = {**pool_kwargs, "server_hostname": target.host,
                               "assert_hostname": target.host}
        pool: urllib3.HTTPConnectionPool = self.poolmanager.connection_from_host(
            **params, pool_kwargs=tls)
        return pool
