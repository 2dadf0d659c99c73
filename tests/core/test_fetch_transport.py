"""The fetcher's HTTP/1.1 on the standard library's http.client, against raw servers: what it
sends, the encodings it decodes (each checked against zlib's or gzip's own compressor), what a
server may do to a kept-alive connection, and a body cut short."""

from __future__ import annotations

import gzip
import ipaddress
import socket
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

import core.fetch.pinning
from core import errors
from core.fetch.fetcher import Fetcher
from core.fetch.pinning import Target
from core.fetch.response import Inflater
from core.fetch.target import request_path
from tests import images
from tests.conftest import make_settings
from tests.hostile import servers


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(make_settings(max_image_bytes=300_000))


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODED: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,  # RFC 9110's deflate: a zlib stream
    "deflate-raw": raw_deflate,  # what some servers send as deflate: no zlib header
    "gzip-members": lambda d: gzip.compress(d[:1000]) + gzip.compress(d[1000:]),
}


@pytest.mark.parametrize("form", sorted(ENCODED))
def test_each_content_encoding_decodes_to_the_original(fetcher: Fetcher, form: str) -> None:
    data = images.jpeg()
    body = ENCODED[form](data)
    header = {"deflate-raw": "deflate", "gzip-members": "gzip"}.get(form, form)
    with servers.serving(servers.body(body, Content_Encoding=header,
                                      Content_Length=len(body))) as server:
        assert fetcher.fetch(server.url()) == data
    request = server.requests[0].decode()
    assert "\r\nAccept-Encoding: gzip, deflate\r\n" in request


def test_a_body_that_does_not_decode_is_an_interrupted_download(fetcher: Fetcher) -> None:
    body = b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10
    with servers.serving(servers.body(body, Content_Encoding="gzip",
                                      Content_Length=len(body))) as server, \
            pytest.raises(errors.URLUnreachable, match="interrupted"):
        fetcher.fetch(server.url())


def test_an_unknown_encoding_is_passed_through_as_sent(fetcher: Fetcher) -> None:
    with servers.serving(servers.body(b"brotli?", Content_Encoding="br",
                                      Content_Length=7)) as server:
        assert fetcher.fetch(server.url()) == b"brotli?"


@pytest.mark.parametrize("limit", [1, 100, 65536])
def test_inflating_never_returns_more_than_asked(limit: int) -> None:
    data = bytes(range(256)) * 2000
    inflater, packed = Inflater("gzip"), gzip.compress(data)
    out = [inflater.inflate(packed, limit)]
    while inflater.pending:
        out.append(inflater.inflate(b"", limit))
    assert max(len(piece) for piece in out) <= limit
    assert b"".join(out) == data


def test_the_request_line_names_the_path_and_query_encoded(fetcher: Fetcher) -> None:
    with servers.serving(servers.body(b"ok", Content_Length=2)) as server:
        url = server.url("/a<b>/caf\u00e9.jpg?size=l&x=%41#fragment")
        assert fetcher.fetch(url) == b"ok"
    request = server.requests[0].decode()
    assert request.startswith("GET /a%3Cb%3E/caf%C3%A9.jpg?size=l&x=%41 HTTP/1.1\r\n")
    assert f"\r\nHost: 127.0.0.1:{server.port}\r\n" in request


@pytest.mark.parametrize(("url", "path"), [
    ("http://h", "/"), ("http://h/?", "/?"), ("http://h/p?a?b", "/p?a?b"),
    ("http://h/%7e%zz", "/%7E%25zz"), ("http://h/<x>", "/%3Cx%3E"),
])
def test_request_paths(url: str, path: str) -> None:
    assert request_path(url) == path


def test_a_kept_connection_the_server_closed_meanwhile_is_replaced(fetcher: Fetcher) -> None:
    """The server answers HTTP/1.1 with a length (so the connection looks reusable), then
    closes it: the next fetch sees the close before sending and connects anew."""
    data = images.jpeg()
    with servers.serving(servers.body(data, Content_Length=len(data))) as server:
        for _ in range(3):
            assert fetcher.fetch(server.url()) == data
    assert server.accepts == 3


def test_a_chunked_body_is_read_whole(fetcher: Fetcher) -> None:
    with servers.serving(servers.chunked(140_000, piece=7_000)) as server:
        assert len(fetcher.fetch(server.url())) == 140_000


def test_a_truncated_chunked_body_is_an_interrupted_download(fetcher: Fetcher) -> None:
    def cut(conn: socket.socket) -> None:
        conn.sendall(servers.head(Transfer_Encoding="chunked") + b"1000\r\n" + b"x" * 10)
    with servers.serving(cut) as server, \
            pytest.raises(errors.URLUnreachable, match="interrupted"):
        fetcher.fetch(server.url())


def _target(url: str, *ips: str) -> Target:
    return Target(url, "pics.test", urlsplit(url).port or 80,
                  tuple(ipaddress.ip_address(ip) for ip in ips))


def test_an_address_that_refuses_is_followed_by_the_next(
        fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two validated addresses: the first refuses the connection, the second answers."""
    tried: list[str] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        tried.append(address[0])
        if address[0] == "127.0.0.2":
            raise ConnectionRefusedError("refused")
        return socket.create_connection(address, timeout)

    monkeypatch.setattr(core.fetch.pinning, "open_socket", connect)
    with servers.serving(servers.body(b"ok", Content_Length=2)) as server:
        target = _target(server.url(), "127.0.0.2", "127.0.0.1")
        assert fetcher.fetch(target.url, checked=target) == b"ok"
    assert tried == ["127.0.0.2", "127.0.0.1"]


@pytest.mark.parametrize(("failure", "error"), [
    (ConnectionRefusedError("refused"), errors.URLUnreachable),
    (TimeoutError("timed out"), errors.URLTimeout),
])
def test_when_no_address_takes_the_connection(fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch,
                                              failure: OSError, error: type[Exception]) -> None:
    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        raise failure

    monkeypatch.setattr(core.fetch.pinning, "open_socket", connect)
    target = _target("http://pics.test:8080/a.jpg", "127.0.0.2", "127.0.0.3")
    with pytest.raises(error):
        fetcher.fetch(target.url, checked=target)
