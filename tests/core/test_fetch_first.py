"""The first URL of a process: its host's lookup (and, for https, the TLS context) overlap
the HTTP client's set-up; the lookup is never repeated.

Mechanism, not time: the lookup, and for https the TLS context, must have begun before the
fetcher (whose module imports http.client, ~14 ms of CPU in a fresh process) is created, the host is
resolved once, and the fetch connects to the address that lookup validated. The resolver is a
stand-in (no DNS may be queried here): it answers one made-up name with 127.0.0.1, where a real
server serves the photo.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from core import errors
from core.api.service import Service
from core.fetch.fetcher import Fetcher
from core.fetch.pinning import tls_context
from core.fetch.url_policy import UrlPolicy
from core.inference.classifier import Classifier
from core.pipeline.predict import PredictInput
from core.pipeline.timings import Timings
from tests import images
from tests.conftest import ROOT, make_settings

NAME = "photos.test"


class Resolver:
    """``socket.getaddrinfo`` answering NAME with 127.0.0.1; records who asked for NAME."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo
        self.asked = threading.Event()
        self.threads: list[int] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (NAME, NAME.encode()):  # the policy asks with ASCII bytes
            self.threads.append(threading.get_ident())
            self.asked.set()
            host = "127.0.0.1"
        return self.real(host, port, *args, **kwargs)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    found = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", found)
    return found


def named(server: HTTPServer, path: str) -> str:
    """The server's URL for ``path`` with NAME as its host."""
    return f"http://{NAME}:{urlsplit(server.url_for(path)).port}{path}"


def hold_fetcher_until(event: threading.Event, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Creating a Fetcher waits (10 s at most) for ``event``; the list gets, per Fetcher
    created, whether it was set by then. Sequential code would set it only after the Fetcher
    exists: the wait would run out."""
    create = Fetcher.__init__
    began_first: list[bool] = []

    def setting_up(self: Fetcher, *args: Any, **kwargs: Any) -> None:
        began_first.append(event.wait(10))
        create(self, *args, **kwargs)

    monkeypatch.setattr(Fetcher, "__init__", setting_up)
    return began_first


def test_the_first_lookup_runs_while_the_fetcher_is_set_up(
        classifier: Classifier, httpserver: HTTPServer, resolver: Resolver,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = images.jpeg()
    httpserver.expect_request("/a.jpg").respond_with_data(data, content_type="image/jpeg")
    began_first = hold_fetcher_until(resolver.asked, monkeypatch)
    pipeline = Service(make_settings(), classifier=classifier).pipeline
    deadline = time.monotonic() + 30
    by_url = pipeline.predict_input(PredictInput(url=named(httpserver, "/a.jpg")), Timings(),
                                     deadline)
    assert began_first == [True]
    assert len(resolver.threads) == 1 and resolver.threads[0] != threading.get_ident()
    assert by_url == pipeline.predict_input(PredictInput(image=data), Timings(), deadline)
    assert pipeline.fetch(named(httpserver, "/a.jpg"), deadline) == data  # later: no thread
    assert len(resolver.threads) == 2 and resolver.threads[1] == threading.get_ident()


def test_a_batchs_first_url_is_looked_up_while_the_fetcher_is_set_up(
        classifier: Classifier, httpserver: HTTPServer, resolver: Resolver,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for a request with ``urls``: its fetches go through the same first-URL path
    (each with the batch's shared FETCH_DEADLINE start)."""
    data = images.jpeg()
    httpserver.expect_request("/b.jpg").respond_with_data(data, content_type="image/jpeg")
    began_first = hold_fetcher_until(resolver.asked, monkeypatch)
    pipeline = Service(make_settings(), classifier=classifier).pipeline
    deadline = time.monotonic() + 30
    answers = pipeline.predict_input(PredictInput(urls=(named(httpserver, "/b.jpg"),)),
                                     Timings(), deadline)
    assert began_first == [True]
    assert resolver.threads and resolver.threads[0] != threading.get_ident()
    assert answers == [pipeline.predict_input(PredictInput(image=data), Timings(), deadline)]


def test_the_first_https_urls_tls_context_is_made_while_the_fetcher_is_set_up(
        classifier: Classifier, resolver: Resolver, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the fetch itself is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make = ssl.create_default_context
    made = threading.Event()
    makers: list[int] = []

    def making(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        makers.append(threading.get_ident())
        made.set()
        return make(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", making)
    began_first = hold_fetcher_until(made, monkeypatch)
    tls_context.cache_clear()
    try:
        pipeline = Service(make_settings(), classifier=classifier).pipeline
        with pytest.raises(errors.URLUnreachable):
            pipeline.fetch(f"https://{NAME}:{port}/a.jpg", time.monotonic() + 30)
        assert began_first == [True]
        assert makers and threading.get_ident() not in makers
        assert tls_context().verify_mode is ssl.CERT_REQUIRED
    finally:
        tls_context.cache_clear()


def test_a_checked_url_is_not_resolved_again_but_its_redirect_is(
        httpserver: HTTPServer, resolver: Resolver) -> None:
    data = images.png_rgba()
    httpserver.expect_request("/one").respond_with_data(
        "", 302, {"Location": named(httpserver, "/two")})
    httpserver.expect_request("/two").respond_with_data(data)
    settings = make_settings()
    checked = UrlPolicy(settings).check(named(httpserver, "/one"))
    assert len(resolver.threads) == 1
    assert Fetcher(settings).fetch(checked.url, checked=checked) == data
    assert len(resolver.threads) == 2  # the redirect's target only


def test_a_check_for_another_url_is_not_taken(httpserver: HTTPServer,
                                              resolver: Resolver) -> None:
    httpserver.expect_request("/b").respond_with_data(b"b")
    settings = make_settings()
    other = UrlPolicy(settings).check(named(httpserver, "/a"))
    assert Fetcher(settings).fetch(named(httpserver, "/b"), checked=other) == b"b"
    assert len(resolver.threads) == 2


def test_checking_an_http_url_needs_no_http_client_nor_ssl_and_fetching_it_no_certifi() -> None:
    script = ("import json, sys\nimport core.fetch.url_policy\n"
              "from core.config import Settings\n"
              "env = {'ALLOW_PRIVATE_URLS': 'true'}\n"
              "core.fetch.url_policy.UrlPolicy(Settings.from_env(env=env))"
              ".check('http://127.0.0.1:8080/a.jpg')\n"
              "checked = sorted(sys.modules)\nimport core.fetch.fetcher\n"
              "print(json.dumps([checked, sorted(sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    checked, fetching = json.loads(done.stdout.strip().splitlines()[-1])
    assert "http.client" not in checked and "email.parser" not in checked
    assert "ssl" not in checked  # the request's thread starts the lookup without it
    assert "http.client" in fetching and "certifi" not in fetching
    assert not [m for m in fetching if m == "urllib3" or m.startswith("urllib3.")]
