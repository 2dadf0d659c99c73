"""Multipart forms through python-multipart: limits on parts and headers, no recursion."""

from __future__ import annotations

import time

import pytest

from core.api.service import Service
from tests import images
from tests.hostile.conftest import call, error_of


def part(name: str, value: bytes, extra: bytes = b"") -> bytes:
    return (b"--b\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n"
            + extra + b"\r\n" + value + b"\r\n")


@pytest.mark.parametrize("kind", [
    "multipart/form-data; boundary=" + "(" * 5000,
    "multipart/form-data; boundary=\"" + "(" * 5000 + "\"",
    "multipart/form-data; a=" + "(" * 5000 + "; boundary=b",
    "multipart/form-data; boundary=" + "b" * 71,
])
def test_hostile_boundaries_are_400(strict: Service, kind: str) -> None:
    body = part("top_k", b"2") + b"--b--\r\n"  # no file: 400 even when the form parses
    assert error_of(call(strict, body, kind)) == (400, "invalid_field")


def test_a_flood_of_tiny_parts_is_refused_quickly(strict: Service) -> None:
    body = part("a", b"x") * 111_000 + b"--b--\r\n"
    assert len(body) > 5_000_000
    started = time.perf_counter()
    assert error_of(call(strict, body, "multipart/form-data; boundary=b")) == (
        400, "invalid_field")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("extra", [b"X-Long: " + b"a" * 5000 + b"\r\n",
                                   b"".join(b"X-%d: a\r\n" % i for i in range(50))])
def test_oversized_part_headers_are_400(strict: Service, extra: bytes) -> None:
    body = part("file", images.jpeg(), extra) + b"--b--\r\n"
    assert error_of(call(strict, body, "multipart/form-data; boundary=b")) == (
        400, "invalid_field")


def test_an_unterminated_form_is_400_and_a_good_one_still_works(strict: Service) -> None:
    good = part("file", images.jpeg()) + part("top_k", b"2") + b"--b--\r\n"
    answer = call(strict, good, "multipart/form-data; boundary=b")
    assert answer.status == 200 and len(answer.json()) == 2
    cut = good[: len(good) // 2]
    assert error_of(call(strict, cut, "multipart/form-data; boundary=b")) == (
        400, "invalid_field")
