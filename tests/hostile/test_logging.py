"""One JSON log line per request; never image bytes, paths or query strings of image URLs."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from core.api.service import Service
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call
from tests.logcapture import Lines, captured


@pytest.fixture
def logged() -> Iterator[Lines]:
    with captured() as handler:
        yield handler


def test_image_url_is_logged_as_scheme_and_host_only(make_service: MakeService,
                                                     logged: Lines) -> None:
    data = images.jpeg()
    with servers.serving(servers.body(data, Content_Length=len(data))) as server:
        service = make_service(allow_private_urls=True)
        url = server.url("/private/cat.jpg?X-Amz-Signature=s3cr3t&token=abc")
        assert call(service, {"url": url}).status == 200
    (record,) = logged.records()
    text = logged.lines[0]
    assert record["url"] == "http://127.0.0.1"
    for secret in ("s3cr3t", "token", "/private", "cat.jpg"):
        assert secret not in text
    assert record["status"] == 200 and record["route"] == "/predict"
    assert record["request_id"] and "ms" in record and "timings" in record
    assert record["image_size"] == [320, 240]


def test_image_bytes_never_reach_the_log(strict: Service, logged: Lines) -> None:
    data = images.jpeg(seed=3)
    encoded = base64.b64encode(data).decode()
    assert call(strict, data, "image/jpeg").status == 200
    assert call(strict, {"image": encoded}).status == 200
    assert call(strict, b"\xff\xd8\xff" + b"SECRETPIXELS" * 50, "image/jpeg").status == 422
    assert len(logged.lines) == 3
    for line in logged.lines:
        assert encoded[:40] not in line and "SECRETPIXELS" not in line
        assert len(line) < 2000


def test_an_error_is_one_json_line_with_its_code(strict: Service, logged: Lines) -> None:
    response = call(strict, {"url": "http://169.254.169.254/latest/meta-data/?x=1"})
    assert response.status == 400
    assert len(logged.lines) == 1 and "\n" not in logged.lines[0]
    (record,) = logged.records()
    assert record["error"] == "url_not_allowed" and record["level"] == "WARNING"
    assert record["url"] == "http://169.254.169.254"
    assert "meta-data" not in logged.lines[0]
