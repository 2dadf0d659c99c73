"""Size and time limits of a download, against misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from core.api.service import Service
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of

CAP = 1024 * 1024


@pytest.fixture
def limited(make_service: MakeService) -> Service:
    """Short limits: 0.5 s connect, 1 s per read, 2 s in all, 1 MiB."""
    return make_service(allow_private_urls=True, fetch_connect_timeout=0.5,
                        fetch_read_timeout=1.0, fetch_deadline=2.0, max_image_bytes=CAP)


def fetch_error(service: Service, behaviour: servers.Behaviour) -> tuple[int, str, float]:
    with servers.serving(behaviour) as server:
        started = time.monotonic()
        status, code = error_of(call(service, {"url": server.url()}))
        return status, code, time.monotonic() - started


def test_a_body_dripping_under_the_read_timeout_hits_the_deadline(limited: Service) -> None:
    status, code, took = fetch_error(limited, servers.drip_body(interval=0.3))
    assert (status, code) == (422, "url_timeout")
    assert 1.8 < took < 3.0


def test_headers_dripping_under_the_read_timeout_hit_the_deadline(limited: Service) -> None:
    status, code, took = fetch_error(limited, servers.drip_headers(interval=0.3))
    assert (status, code) == (422, "url_timeout")
    assert took < 3.0


def test_a_server_that_never_answers_times_out(limited: Service) -> None:
    status, code, took = fetch_error(limited, servers.stall(4))
    assert (status, code) == (422, "url_timeout")
    assert took < 2.0  # the 1 s read timeout, well inside the deadline


def test_a_declared_length_over_the_cap_is_refused_before_reading(limited: Service) -> None:
    behaviour = servers.body(b"x" * 10, Content_Length=CAP * 50)
    assert fetch_error(limited, behaviour)[:2] == (413, "image_too_large")


def test_a_missing_length_is_capped_on_bytes_read(limited: Service) -> None:
    behaviour = servers.body(b"\0" * (CAP * 3), Connection="close")
    assert fetch_error(limited, behaviour)[:2] == (413, "image_too_large")


def test_a_chunked_body_is_capped_on_bytes_read(limited: Service) -> None:
    assert fetch_error(limited, servers.chunked(CAP * 3))[:2] == (413, "image_too_large")


def test_a_short_lying_length_reads_only_what_was_declared(limited: Service) -> None:
    data = images.jpeg()
    behaviour = servers.body(data + b"\0" * (CAP * 3), Content_Length=len(data))
    with servers.serving(behaviour) as server:
        assert call(limited, {"url": server.url()}).status == 200


def test_a_long_lying_length_is_an_interrupted_download(limited: Service) -> None:
    behaviour = servers.body(images.jpeg()[:500], Content_Length=5000, Connection="close")
    assert fetch_error(limited, behaviour)[:2] == (422, "url_unreachable")


def test_a_gzip_bomb_stops_at_the_cap_with_bounded_memory(limited: Service) -> None:
    bomb = servers.gzip_bomb(50 * 1024 * 1024)
    assert len(bomb) < 100 * 1024
    behaviour = servers.body(bomb, Content_Encoding="gzip", Content_Length=len(bomb))
    tracemalloc.start()
    try:
        status, code, took = fetch_error(limited, behaviour)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (status, code) == (413, "image_too_large")
    assert peak < 8 * CAP, peak
    assert took < 2.0


def test_deadline_also_bounds_a_slow_redirect_chain(make_service: MakeService) -> None:
    service = make_service(allow_private_urls=True, fetch_read_timeout=1.0, fetch_deadline=1.5)
    with servers.serving(servers.stall(0.9)) as slow:
        def hop(conn: object) -> None:
            time.sleep(0.9)
            servers.redirect(slow.url())(conn)  # type: ignore[arg-type]
        with servers.serving(hop) as first:
            started = time.monotonic()
            status, code = error_of(call(service, {"url": first.url()}))
            assert (status, code) == (422, "url_timeout")
            assert time.monotonic() - started < 2.5
