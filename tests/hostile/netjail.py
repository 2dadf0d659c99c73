"""A network jail for hostile tests: a fake resolver and a connect recorder.

Every outgoing TCP connection the service makes goes through ``core.fetch.pinning.open_socket``
(an image URL) or ``urllib3.util.connection.create_connection`` (a model by https URL); the
jail records each (host, port) and lets only
127.0.0.0/8 through, so a test can assert that NO connection was attempted to a forbidden address
and that nothing ever leaves the machine. Host names resolve from a table; unknown names fail
like NXDOMAIN (no real DNS query is ever sent).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import urllib3.util.connection

import core.fetch.pinning

_real_getaddrinfo = socket.getaddrinfo
_real_urllib3_create = urllib3.util.connection.create_connection  # takes socket_options
_real_open_socket = core.fetch.pinning.open_socket


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class NetJail:
    """The resolver table and what was resolved and connected to."""

    table: dict[str, list[list[str]]] = field(default_factory=dict)
    resolved: list[str] = field(default_factory=list)
    connects: list[tuple[str, int]] = field(default_factory=list)

    def answer(self, name: str, *answers: Sequence[str]) -> None:
        """Resolve ``name`` to ``answers[0]`` first, then each following answer in turn."""
        self.table[name.lower()] = [list(a) for a in answers]

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = (host.decode("ascii") if isinstance(host, bytes) else str(host)).lower()
        self.resolved.append(name)
        try:
            ipaddress.ip_address(name)
            literal = True
        except ValueError:
            literal = False
        if literal:  # numeric forms only, never a DNS query
            return _real_getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                     flags=socket.AI_NUMERICHOST)
        if name not in self.table:
            if _odd_numeric(name):  # what glibc's inet_aton would accept; never DNS
                return _real_getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                         flags=socket.AI_NUMERICHOST)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.table[name]
        current = answers[0] if len(answers) == 1 else answers.pop(0)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, int(port or 0))) for a in current]

    def create_connection(self, address: tuple[str, int], *args: Any, **kwargs: Any
                          ) -> socket.socket:
        """urllib3's connect (the https model reader), through the jail."""
        self._admit(*address)
        return _real_urllib3_create(address, *args, **kwargs)

    def open_socket(self, address: tuple[str, int], timeout: float) -> socket.socket:
        """The image fetcher's connect (``core.fetch.pinning.open_socket``), through the jail."""
        self._admit(*address)
        return _real_open_socket(address, timeout)

    def _admit(self, host: str, port: int) -> None:
        self.connects.append((str(host), int(port)))
        if not _is_loopback(str(host)):
            raise ConnectionRefusedError(f"jail: no connection to {host}")

    def connected_to(self, predicate: Callable[[str], bool]) -> list[tuple[str, int]]:
        """Connections whose host matches ``predicate``."""
        return [c for c in self.connects if predicate(c[0])]


def _odd_numeric(name: str) -> bool:
    return bool(name) and all(c in "0123456789abcdefx." for c in name) and any(
        c.isdigit() for c in name)


def install(monkeypatch: pytest.MonkeyPatch) -> NetJail:
    """Put the process in the jail for one test."""
    jail = NetJail()
    jail.answer("localhost", ["127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", jail.getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", jail.create_connection)
    monkeypatch.setattr(core.fetch.pinning, "open_socket", jail.open_socket)
    return jail
