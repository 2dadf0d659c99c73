"""Request validation: every malformed request is a 4xx with a clear message, never a 500."""

from __future__ import annotations

import json

import pytest

from core.api.service import Service
from tests import images
from tests.hostile.conftest import MakeService, call, error_of

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"url":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001

CASES: list[tuple[bytes, str, int, str]] = [
    (b"", "application/json", 400, "invalid_json"),
    (b"   \n", "application/json", 400, "invalid_json"),
    (b"{", "application/json", 400, "invalid_json"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
    (DEEP, "application/json", 400, "invalid_json"),
    (DEEP_OBJECT, "application/json", 400, "invalid_json"),
    (b"1" * 5000, "application/json", 400, "invalid_json"),
    (b"[]", "application/json", 400, "invalid_field"),
    (b'"http://example.com/a.jpg"', "application/json", 400, "invalid_field"),
    (b"null", "application/json", 400, "invalid_field"),
    (b"{}", "application/json", 400, "invalid_field"),
    (b'{"url": 5}', "application/json", 400, "invalid_field"),
    (b'{"url": ["http://a.example/"]}', "application/json", 400, "invalid_field"),
    (b'{"url": null}', "application/json", 400, "invalid_field"),
    (b'{"url": ""}', "application/json", 400, "invalid_field"),
    (json.dumps({"url": "http://a.example/" + "a" * 100_000}).encode(), "application/json", 400,
     "invalid_field"),
    (b'{"url": "http://a.example/", "image": "AAAA"}', "application/json", 400, "invalid_field"),
    (b'{"url": "http://a.example/", "extra": 1}', "application/json", 400, "invalid_field"),
    (b'{"image": "not base64!!"}', "application/json", 400, "invalid_field"),
    (b'{"image": "QUJD=A"}', "application/json", 400, "invalid_field"),
    (b'{"image": 12}', "application/json", 400, "invalid_field"),
    (b'{"image": ""}', "application/json", 400, "invalid_field"),
    (b'{"image": "QUJD"}', "application/json", 422, "invalid_image"),
    (b'{"urls": []}', "application/json", 400, "invalid_field"),
    (b'{"urls": "http://a.example/"}', "application/json", 400, "invalid_field"),
    (b'{"urls": [1, 2]}', "application/json", 400, "invalid_field"),
    (json.dumps({"urls": ["http://a.example/"] * 17}).encode(), "application/json", 400,
     "invalid_field"),
    (json.dumps({"urls": ["http://a.example/"] * 100_000}).encode(), "application/json", 400,
     "invalid_field"),
    (b'{"url": "http://a.example/", "top_k": "3"}', "application/json", 400, "invalid_field"),
    (b'{"url": "http://a.example/", "top_k": true}', "application/json", 400, "invalid_field"),
    (b'{"url": "http://a.example/", "top_k": 1e400}', "application/json", 400, "invalid_field"),
    (b'{"url": "http://a.example/", "top_k": -1}', "application/json", 400, "invalid_field"),
    (b'{"url": "http://a.example/", "top_k": 99999999999999999999}', "application/json", 400,
     "invalid_field"),
    (b"<xml/>", "application/xml", 415, "unsupported_media_type"),
    (b"a=b", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"x", "text/html", 415, "unsupported_media_type"),
    (b"x", "multipart/form-data", 400, "invalid_field"),
    (b"--x\r\nContent-Disposition: form-data\r\n\r\nq\r\n--x--", "multipart/form-data; boundary=x",
     400, "invalid_field"),
    (b"garbage", "multipart/form-data; boundary=\x00\xff", 400, "invalid_field"),
    (b"", "image/jpeg", 400, "invalid_field"),
    (b"", "application/octet-stream", 400, "invalid_field"),
]


@pytest.mark.parametrize(("body", "kind", "status", "code"), CASES)
def test_malformed_requests_are_4xx(strict: Service, body: bytes, kind: str, status: int,
                                    code: str) -> None:
    assert error_of(call(strict, body, kind)) == (status, code)


@pytest.mark.parametrize("top_k", ["\u00b2", "\uff11", "0", "-1", "x", "9" * 5000, "", "1.5"])
def test_bad_top_k_in_the_query_is_400(strict: Service, top_k: str) -> None:
    response = call(strict, images.jpeg(), "image/jpeg", query={"top_k": top_k})
    assert error_of(response) == (400, "invalid_field")


def test_unknown_fields_are_named_safely(strict: Service) -> None:
    body = {"url": "http://a.example/", "<script>alert(1)</script>": 1}
    message = call(strict, body).json()["error"]["message"]
    assert "<script>" not in message and "unknown field" in message


def test_a_body_over_the_limit_is_413(make_service: MakeService) -> None:
    service = make_service(max_body_bytes=1000)
    assert error_of(call(service, b"{" + b" " * 2000 + b"}")) == (413, "payload_too_large")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/predict", 405), ("DELETE", "/predict", 405), ("POST", "/../../etc/passwd", 404),
    ("POST", "/predict/../../x", 404), ("TRACE", "/health", 405), ("POST", "/" + "a" * 5000, 404),
])
def test_routing_errors_are_bounded_json(strict: Service, method: str, path: str,
                                         status: int) -> None:
    response = call(strict, b"{}", method=method, path=path)
    assert error_of(response)[0] == status
    assert len(response.body) < 400  # the caller's own path is echoed at most truncated
