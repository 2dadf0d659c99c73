"""Connections pinned to a validated address: DNS rebinding cannot move a fetch.

A connection is the standard library's ``http.client`` one (the parser urllib3 also runs on),
opened to the IP that ``core.fetch.url_policy.UrlPolicy.check`` validated, while the Host header,
TLS SNI and the certificate check keep the URL's host name. Every connect goes through
``open_socket``. Nothing reads proxy variables or ``.netrc``, so nothing in the environment can
redirect or decorate a fetch. ``PinnedPools`` keeps one idle connection per (scheme, validated
IP, port, host name) for the next fetch, on the thread that made it.
"""

from __future__ import annotations

import http.client
import select
import socket
import time

from core.fetch.response import Response
from core.fetch.target import Address, Target, host_header
from core.fetch.tls import tls_context
from core.fetch.watchdog import watchdog

__all__ = ["Address", "ConnectFailed", "PinnedPools", "Target", "clip", "host_header",
           "open_socket", "tls_context"]

_MAX_POOLS = 8  # idle connections kept per thread; the oldest is closed beyond this
Key = tuple[str, str, int, str]


def clip(timeout: tuple[float, float], deadline: float | None) -> tuple[float, float]:
    """(connect, read) timeouts, each cut to what is left before ``deadline``."""
    if deadline is None:
        return timeout
    remaining = max(0.001, deadline - time.monotonic())
    return (min(timeout[0], remaining), min(timeout[1], remaining))


def open_socket(address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection to ``address`` (an IP): every fetch connects through here."""
    return socket.create_connection(address, timeout)


class ConnectFailed(Exception):
    """No TCP connection to the address (refused, unreachable, or not within the timeout)."""

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timed out" if timed_out else "refused or unreachable")
        self.timed_out = timed_out


class Connection(http.client.HTTPConnection):
    """HTTP to ``address``, the validated IP; ``timeout`` bounds the connect (and a TLS
    handshake), ``read_timeout`` each read after it."""

    def __init__(self, address: str, port: int, target: Target) -> None:
        super().__init__(address, port)
        self.target = target
        self.read_timeout: float | None = None

    def connect(self) -> None:
        try:
            sock = open_socket((self.host, self.port), self.timeout)  # type: ignore[arg-type]
        except OSError as exc:
            raise ConnectFailed(isinstance(exc, TimeoutError)) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.target.scheme == "https":  # SNI and the certificate: the URL's host name
                sock = tls_context().wrap_socket(sock, server_hostname=self.target.host)
            sock.settimeout(self.read_timeout)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def dropped(self) -> bool:
        """Whether the server has closed this idle connection (or sent what it should not)."""
        if self.sock is None:
            return True
        poller = select.poll()  # not select(): descriptors can be above FD_SETSIZE here
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))


class PinnedPools:
    """Idle keep-alive connections for one thread, each bound to one validated address."""

    def __init__(self) -> None:
        self._pools: dict[Key, Connection] = {}
        self.opened = 0  # connections made, for tests and the curious

    def get(self, target: Target, address: Address, path: str, headers: dict[str, str],
            timeout: tuple[float, float], deadline: float | None) -> Response:
        """GET ``path`` from ``address`` for ``target``; the response's headers read. The
        deadline also bounds a server that drips its headers (the socket is shut at it). A
        kept connection the server closed before answering is replaced once (a GET may be
        sent again: nothing of it was answered)."""
        key = (target.scheme, str(address), target.port, target.host)
        kept = self._pools.pop(key, None)
        if kept is not None and kept.dropped():
            kept.close()
            kept = None
        headers = {**headers, "Host": host_header(target)}
        if kept is not None:
            try:
                return self._exchange(key, kept, path, headers, timeout, deadline)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if deadline is not None and time.monotonic() >= deadline:
                    raise  # the watchdog shut it: no time for another
                # else closed by the server between our check and its reading the request
        self.opened += 1
        fresh = Connection(str(address), target.port, target)
        return self._exchange(key, fresh, path, headers, timeout, deadline)

    def _exchange(self, key: Key, connection: Connection, path: str, headers: dict[str, str],
                  timeout: tuple[float, float], deadline: float | None) -> Response:
        connection.timeout, connection.read_timeout = clip(timeout, deadline)
        try:
            if connection.sock is None:
                connection.connect()
            else:
                connection.sock.settimeout(connection.read_timeout)
            connection.request("GET", path, headers=headers)
            sock = connection.sock  # the connection lets go of it for a response that closes
            with watchdog(sock, deadline):
                raw = connection.getresponse()
        except BaseException:
            connection.close()
            raise
        return Response(raw, sock, lambda reusable: self._done(key, connection, reusable))

    def _done(self, key: Key, connection: Connection, reusable: bool) -> None:
        if not reusable:
            connection.close()
            return
        old = self._pools.pop(key, None)
        if old is not None:
            old.close()
        self._pools[key] = connection
        if len(self._pools) > _MAX_POOLS:
            self._pools.pop(next(iter(self._pools))).close()

    def close(self) -> None:
        """Close every idle connection."""
        while self._pools:
            self._pools.popitem()[1].close()
