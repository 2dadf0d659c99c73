"""Batches against each other, and image hosts whose answers used to become 500s."""

from __future__ import annotations

import threading
import time

import pytest

from core.api.service import Service
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of


@pytest.fixture
def slowish(make_service: MakeService) -> Service:
    """1.5 s to fetch a batch's URLs, each read may wait 5 s."""
    return make_service(allow_private_urls=True, fetch_read_timeout=5.0, fetch_deadline=1.5)


def test_a_batch_shares_one_deadline_from_the_request_start(slowish: Service) -> None:
    with servers.serving(servers.stall(6)) as slow:
        started = time.monotonic()
        answer = call(slowish, {"urls": [slow.url(f"/{i}.jpg") for i in range(16)]})
        took = time.monotonic() - started
    assert answer.status == 200
    assert {entry["error"]["code"] for entry in answer.json()} == {"url_timeout"}
    assert took < 2.5, took  # one 1.5 s deadline, not 16 / workers of them


def test_slow_batches_do_not_stall_another_request(slowish: Service) -> None:
    good = servers.body(images.jpeg(), Content_Type="image/jpeg",
                        Content_Length=len(images.jpeg()))
    with servers.serving(servers.stall(6)) as slow, servers.serving(good) as fast:
        attackers = [threading.Thread(target=call, args=(
            slowish, {"urls": [slow.url(f"/{n}-{i}.jpg") for i in range(16)]}))
            for n in range(2)]
        for thread in attackers:
            thread.start()
        time.sleep(0.3)  # the attackers hold every pool worker they may
        started = time.monotonic()
        answer = call(slowish, {"urls": [fast.url()]})
        took = time.monotonic() - started
        for thread in attackers:
            thread.join(10)
    assert answer.status == 200 and "error" not in answer.json()[0]
    assert took < 1.0, took


@pytest.mark.parametrize(("behaviour", "code"), [
    (servers.redirect("http://[::1"), "url_status"),
    (servers.redirect("http://[fe80::1%zz]:x/"), "url_not_allowed"),
    (lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n"
                               b"Connection: close\r\n\r\nxxxxxxxxxx"), "invalid_image"),
    (servers.body(b"x" * 10, Content_Length="9" * 5000), "image_too_large"),
    (servers.body(b"x" * 10, Content_Length="1" * 19), "image_too_large"),
])
def test_odd_host_answers_are_4xx_and_only_their_batch_entry(
        make_service: MakeService, behaviour: servers.Behaviour, code: str) -> None:
    service = make_service(allow_private_urls=True, fetch_deadline=3.0)
    good = servers.body(images.jpeg(), Content_Type="image/jpeg",
                        Content_Length=len(images.jpeg()))
    with servers.serving(behaviour) as odd, servers.serving(good) as fine:
        status, got = error_of(call(service, {"url": odd.url()}))
        assert 400 <= status < 500 and got in (code, "url_unreachable")
        answer = call(service, {"urls": [odd.url(), fine.url()]})
    assert answer.status == 200
    first, second = answer.json()
    assert first["error"]["code"] == got and "error" not in second
