"""Property tests: whatever arrives, ``Service.handle`` answers well-formed JSON below 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api.service import Service
from core.messages import Request, Response
from tests import images
from tests.hostile.conftest import assert_no_leak

FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
KINDS = ["application/json", "text/plain", "", "image/jpeg", "image/png",
         "application/octet-stream", "multipart/form-data", "multipart/form-data; boundary=b",
         "application/x-www-form-urlencoded", "application/xml", "application/vnd.x+json",
         "image/svg+xml"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=5),
    max_leaves=20)
URLS = st.sampled_from([
    "http://127.0.0.1/", "http://10.0.0.1/a.jpg", "http://[::1]/", "ftp://x/", "http://a.test/",
    "https://203.0.113.9/", "http://2130706433/", "http:/x", "", " ", "http://x:99999/",
]) | st.text(max_size=60)
FIELDS = st.fixed_dictionaries({}, optional={
    "url": URLS | JSON, "image": st.binary(max_size=64).map(lambda b: b.hex()) | JSON,
    "urls": st.lists(URLS, max_size=4) | JSON, "top_k": st.integers(-3, 30) | JSON,
    "extra": JSON,
})


def check(response: Response) -> None:
    assert isinstance(response, Response)
    assert 200 <= response.status < 500, response.body
    data: Any = response.json()
    if response.status >= 400:
        assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}
        assert_no_leak(response.body)


def send(service: Service, body: bytes, kind: str, query: dict[str, str]) -> Response:
    return service.handle(Request("POST", "/predict", {"content-type": kind}, query, body))


@FUZZ
@given(body=st.binary(max_size=3000), kind=st.sampled_from(KINDS) | st.text(max_size=30),
       query=st.dictionaries(st.sampled_from(["top_k", "x"]), st.text(max_size=8), max_size=2))
def test_any_bytes_with_any_content_type(strict: Service, body: bytes, kind: str,
                                         query: dict[str, str]) -> None:
    check(send(strict, body, kind, query))


@FUZZ
@given(data=JSON | FIELDS, kind=st.sampled_from(["application/json", "text/plain", ""]))
def test_any_json_document(strict: Service, data: Any, kind: str) -> None:
    check(send(strict, json.dumps(data).encode(), kind, {}))


@FUZZ
@given(data=st.data())
def test_mutated_images_as_raw_bodies(strict: Service, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from([images.jpeg(64, 48), images.png_rgba(40, 30),
                                        images.palette_gif(2, 30, 20), images.webp(30, 20),
                                        images.bmp(30, 20), images.png16(20, 10)]))
    blob = bytearray(source)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    check(send(strict, bytes(blob[:cut]), "application/octet-stream", {}))


def test_lambda_events_never_raise(strict: Service) -> None:
    handler = pytest.importorskip("aws_lambda.handler")

    @FUZZ
    @given(event=JSON | st.fixed_dictionaries({}, optional={
        "body": st.text(max_size=200) | JSON, "isBase64Encoded": JSON,
        "headers": st.dictionaries(st.text(max_size=20), st.text(max_size=40)) | JSON,
        "httpMethod": st.sampled_from(["GET", "POST"]) | JSON, "path": JSON,
        "rawPath": st.text(max_size=20) | JSON, "version": st.sampled_from(["1.0", "2.0"]),
        "requestContext": JSON, "queryStringParameters": JSON, "url": URLS,
        "image": st.text(max_size=40),
    }))
    def run(event: Any) -> None:
        result = handler.handle_event(strict, event, None)
        assert isinstance(result, dict | list), result
        json.dumps(result)

    run()
