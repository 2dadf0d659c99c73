"""The local server's connection slots, chunk framing and ``Expect`` against raw sockets.

Every test runs a server on 127.0.0.1 with small limits, holds at most a few thousand sockets
for a few seconds and bounds every wait: a server that regresses makes a test fail, not hang.
"""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from core.api import fdlimit
from core.api.chunked import MAX_CHUNK_LINE
from core.api.server import make_server
from tests.hostile.conftest import MakeService
from tests.hostile.test_server import GOOD, json_error, request, responses
from tests.processes import in_thread

Serve = Callable[..., Any]
LIVE = request("GET", path="/v2/health/live")


@pytest.fixture
def serve(make_service: MakeService) -> Iterator[Serve]:
    """Start a server with settings ``overrides``; its port. Every server stops at the end."""
    with ExitStack() as stack:
        def start(**overrides: Any) -> int:
            return stack.enter_context(running(make_service(**overrides)))
        yield start


@contextmanager
def running(service: Any) -> Iterator[int]:
    with in_thread(make_server(service, "127.0.0.1", 0)) as server:
        yield server.server_address[1]


def status_within(port: int, raw: bytes, seconds: float) -> bytes:
    """The first line the server answers ``raw`` with on a new connection (b"" if none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(raw)
        try:
            return sock.recv(65536).split(b"\r\n", 1)[0]
        except TimeoutError:
            return b""


@contextmanager
def held(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that send nothing (even) or half a request line (odd)."""
    socks: list[socket.socket] = []
    try:
        for index in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            socks.append(sock)
            if index % 2:
                sock.sendall(b"GET /v2/hea")
        yield socks
    finally:
        for sock in socks:
            sock.close()


def test_silent_connections_beyond_the_cap_hold_a_slot_for_the_head_timeout_only(
        serve: Serve) -> None:
    """Twice the cap in silent or half-sent sockets; keep-alive idling stays 30 s."""
    port = serve(server_connections=8, server_timeout=30.0, server_head_timeout=1.0)
    with held(port, 16):
        started = time.monotonic()
        assert status_within(port, LIVE, 8.0) == b"HTTP/1.1 200 OK"
        assert time.monotonic() - started < 8.0


def test_a_keep_alive_connection_outlives_the_head_timeout(serve: Serve) -> None:
    port = serve(server_timeout=30.0, server_head_timeout=0.5)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(LIVE)
        assert answer(sock).startswith(b"HTTP/1.1 200")
        time.sleep(2.0)  # idle after a request: SERVER_TIMEOUT applies, not the head timeout
        sock.sendall(LIVE)
        assert answer(sock).startswith(b"HTTP/1.1 200")


def answer(sock: socket.socket) -> bytes:
    """One whole response (Content-Length framed) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data or len(responses(data)[0][2]) < int(
            responses(data)[0][1].get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_more_connections_than_select_can_watch(serve: Serve) -> None:
    """1,100 open sockets: descriptors past 1,024 would stop a select() loop."""
    port = serve(server_connections=1300)
    with held(port, 1100) as socks:
        time.sleep(0.5)
        assert status_within(port, LIVE, 5.0) == b"HTTP/1.1 200 OK"
        assert all(sock.fileno() >= 0 for sock in socks)


def test_the_open_file_limit_is_raised_to_fit_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 4096))
    monkeypatch.setattr(resource, "setrlimit", lambda _, limits: calls.append(limits))
    assert fdlimit.connection_cap(2000) == (2000, (1024, 2000 + fdlimit.RESERVE))
    assert calls == [(2000 + fdlimit.RESERVE, 4096)]
    assert fdlimit.connection_cap(10_000) == (4096 - fdlimit.RESERVE, (1024, 4096))


def until_closed(sock: socket.socket) -> bytes:
    """What ``sock`` receives until the server closes it or its timeout passes."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    return data


def chunked(body: bytes) -> bytes:
    return request("POST", body, Content_Type="application/json", Transfer_Encoding="chunked")


@pytest.mark.parametrize("split", [1 << 20, 7])
def test_a_long_chunk_extension_is_refused_at_once(serve: Serve, split: int) -> None:
    """A chunk-size line one byte over the limit, whole or a few bytes at a time: 400 now,
    not a wait for the rest of an extension that may run up to the body limit."""
    port = serve()
    raw = chunked(b"1;" + b"a" * (MAX_CHUNK_LINE - 1))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for start in range(0, len(raw), split):
            sock.sendall(raw[start:start + split])
        data = until_closed(sock)
    assert json_error(responses(data)[0]) == (400, "bad_request")


def test_a_trailer_over_the_head_limit_is_431(serve: Serve) -> None:
    port = serve()
    trailer = (b"X-T: " + b"v" * 1000 + b"\r\n") * 70
    raw = chunked(b"2\r\n{}\r\n0\r\n" + trailer[:64 * 1024 + 1])  # nothing left unread
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        data = until_closed(sock)
    assert json_error(responses(data)[0]) == (431, "headers_too_large")


def test_extensions_and_trailers_within_the_limits_still_decode(serve: Serve) -> None:
    port = serve()
    half = len(GOOD) // 2
    body = (b"%x;name=value;q=\"a b\"\r\n" % half + GOOD[:half] + b"\r\n"
            + b"%x\r\n" % (len(GOOD) - half) + GOOD[half:] + b"\r\n0\r\nX-Sum: 1\r\n\r\n")
    raw = chunked(body) + request("GET", path="/nope")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for start in range(0, len(raw), 4093):  # pieces that cut lines and CRLFs anywhere
            sock.sendall(raw[start:start + 4093])
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert [status for status, _, _ in responses(data)] == [200, 404]


@pytest.mark.parametrize("length", [6 * 1024 * 1024 + 1, 13_000_000])
def test_expect_continue_over_the_limit_is_413_without_100(serve: Serve, length: int) -> None:
    port = serve()
    raw = request("POST", Content_Type="image/jpeg", Content_Length=str(length),
                  Expect="100-continue")
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(raw)
        data = until_closed(sock)
    assert not data.startswith(b"HTTP/1.1 100"), data[:200]
    assert json_error(responses(data)[0]) == (413, "payload_too_large")


def test_expect_continue_within_the_limit_gets_100_then_the_answer(serve: Serve) -> None:
    port = serve()
    raw = request("POST", Content_Type="application/json", Content_Length=str(len(GOOD)),
                  Expect="100-continue")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(GOOD)
        assert answer(sock).startswith(b"HTTP/1.1 200 OK")


def test_the_start_up_output_says_what_the_limit_became() -> None:
    assert fdlimit.limit_notes(4000, 4000, (1024, 4256)) == [
        "raised the open-file soft limit from 1024 to 4256 for SERVER_CONNECTIONS=4000"]
    assert fdlimit.limit_notes(4000, 768, (1024, 1024))[0].startswith("at most 768 connections")
    assert fdlimit.limit_notes(4000, 4000, (65536, 65536)) == []
