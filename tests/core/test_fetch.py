"""The fetcher on a well-behaved local server: bodies, redirects, statuses, session hygiene."""

from __future__ import annotations

import gzip
import ssl
from concurrent.futures import ThreadPoolExecutor

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
    # As made: urllib3 turns check_hostname off on the context it is handed once it connects
    # (it then matches the host name itself, see test_ssrf's assert_hostname), so a context an
    # earlier test has used no longer shows it.
    tls_context.cache_clear()
    context = tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's bundle, not the system's


def test_connections_are_reused_between_fetches(fetcher: Fetcher,
                                                httpserver: HTTPServer) -> None:
    httpserver.expect_request("/k").respond_with_data(b"ok")
    for _ in range(3):
        assert fetcher.fetch(httpserver.url_for("/k")) == b"ok"
    pools = fetcher._pools()._pools
    assert len(pools) == 1
    assert next(iter(pools.values())).num_connections == 1


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


def test_close_closes_every_threads_connections(fetcher: Fetcher,
                                                httpserver: HTTPServer) -> None:
    """Batch downloads run on pool threads; closing the fetcher (SnapStart's restore, shutdown)
    closes their kept-alive connections too, not only the calling thread's."""
    httpserver.expect_request("/k").respond_with_data(b"ok")

    def fetch_on_this_thread() -> PinnedPools:
        assert fetcher.fetch(httpserver.url_for("/k")) == b"ok"
        return fetcher._pools()
    with ThreadPoolExecutor(2) as pool:
        workers = [pool.submit(fetch_on_this_thread).result(timeout=30) for _ in range(2)]
        own = fetch_on_this_thread()
        assert all(p._pools for p in [*workers, own])
        fetcher.close()
        assert not any(p._pools for p in [*workers, own])  # closed now, not at collection
        assert pool.submit(fetch_on_this_thread).result(timeout=30) is not workers[0]
