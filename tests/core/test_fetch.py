"""The fetcher on a well-behaved local server: bodies, redirects, statuses, session hygiene."""

from __future__ import annotations

import gzip
import http.server
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from pytest_httpserver import HTTPServer

from core import errors
from core.fetch.fetcher import Fetcher
from core.fetch.pinning import PinnedPools, host_header, tls_context
from core.fetch.url_policy import UrlPolicy
from tests import images
from tests.conftest import make_settings


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(make_settings(max_image_bytes=200_000))


def test_fetches_a_body(fetcher: Fetcher, httpserver: HTTPServer) -> None:
    data = images.jpeg()
    httpserver.expect_request("/a.jpg").respond_with_data(data, content_type="image/jpeg")
    assert fetcher.fetch(httpserver.url_for("/a.jpg")) == data


def test_follows_relative_redirects_re_checking_each(fetcher: Fetcher,
                                                     httpserver: HTTPServer) -> None:
    data = images.png_rgba()
    httpserver.expect_request("/one").respond_with_data("", 301, {"Location": "/two"})
    httpserver.expect_request("/two").respond_with_data("", 307, {"Location": "three"})
    httpserver.expect_request("/three").respond_with_data(data)
    assert fetcher.fetch(httpserver.url_for("/one")) == data


def test_error_statuses_are_url_status(fetcher: Fetcher, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("", 410)
    with pytest.raises(errors.URLStatus, match="410"):
        fetcher.fetch(httpserver.url_for("/gone"))


def test_the_environment_proxy_is_ignored(fetcher: Fetcher, httpserver: HTTPServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    httpserver.expect_request("/p").respond_with_data(b"ok")
    assert fetcher.fetch(httpserver.url_for("/p")) == b"ok"


def test_the_default_tls_context_verifies_certificates_and_host_names() -> None:
    tls_context.cache_clear()
    context = tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's bundle, not the system's


@contextmanager
def keep_alive_server(body: bytes) -> Iterator[tuple[str, list[int]]]:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 answering ``body``; the URL and the list of
    connections it accepted (one entry per connection, counting its requests)."""
    accepted: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            accepted.append(0)
            self.index = len(accepted) - 1

        def do_GET(self) -> None:
            accepted[self.index] += 1
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/k", accepted
    finally:
        server.shutdown()
        server.server_close()


def test_connections_are_reused_between_fetches(fetcher: Fetcher) -> None:
    with keep_alive_server(b"ok") as (url, accepted):
        for _ in range(3):
            assert fetcher.fetch(url) == b"ok"
    assert accepted == [3]  # one TCP connection carried all three requests
    assert fetcher._pools().opened == 1


def test_a_connection_the_server_closed_is_not_reused(fetcher: Fetcher,
                                                      httpserver: HTTPServer) -> None:
    """pytest-httpserver answers HTTP/1.0 with Connection: close: every fetch connects anew
    and succeeds, none on a closed socket."""
    httpserver.expect_request("/k").respond_with_data(b"ok")
    for _ in range(3):
        assert fetcher.fetch(httpserver.url_for("/k")) == b"ok"
    assert fetcher._pools().opened == 3


def test_gzip_bodies_are_decoded_and_capped(fetcher: Fetcher, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/z").respond_with_data(
        gzip.compress(b"\0" * 1_000_000), headers={"Content-Encoding": "gzip"})
    with pytest.raises(errors.ImageTooLarge):
        fetcher.fetch(httpserver.url_for("/z"))


def test_host_header_keeps_non_default_ports() -> None:
    policy = UrlPolicy(make_settings())
    assert host_header(policy.check("http://127.0.0.1:8080/x")) == "127.0.0.1:8080"
    assert host_header(policy.check("http://127.0.0.1/x")) == "127.0.0.1"
    assert host_header(policy.check("https://[::1]/x")) == "[::1]"


def test_close_closes_every_threads_connections(fetcher: Fetcher) -> None:
    """Batch downloads run on pool threads; closing the fetcher (SnapStart's restore, shutdown)
    closes their kept-alive connections too, not only the calling thread's."""
    def fetch_on_this_thread() -> PinnedPools:
        assert fetcher.fetch(url) == b"ok"
        return fetcher._pools()
    with keep_alive_server(b"ok") as (url, _), ThreadPoolExecutor(2) as pool:
        workers = [pool.submit(fetch_on_this_thread).result(timeout=30) for _ in range(2)]
        own = fetch_on_this_thread()
        assert all(p._pools for p in [*workers, own])
        fetcher.close()
        assert not any(p._pools for p in [*workers, own])  # closed now, not at collection
        assert pool.submit(fetch_on_this_thread).result(timeout=30) is not workers[0]
