"""What an error echoes of the caller's input: escaped, truncated, never sniffable as HTML; and
the answer when answering itself fails."""

from __future__ import annotations

import json

import pytest

from core.api.service import Service
from core.messages import Request, Response
from tests.hostile.conftest import MakeService
from tests.logcapture import captured

HOSTILE = ["/<script>alert(1)</script>", "/<img src=x onerror=alert(1)>",
           "/v2/models/<script>/infer", "/" + "a" * 5000, "/\ud800", "/%3Cscript%3E"]


@pytest.mark.parametrize("path", HOSTILE)
def test_an_echoed_path_is_escaped_and_short(make_service: MakeService, path: str) -> None:
    response = make_service().handle(Request("GET", path))
    assert response.status in (404, 405)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.body.decode("utf-8")
    assert "<" not in body and ">" not in body and len(body) < 400
    json.loads(body)


@pytest.mark.parametrize("method", ["<script>", "DELETE", "\ud800", "X" * 1000])
def test_an_echoed_method_is_escaped_and_short(make_service: MakeService, method: str) -> None:
    response = make_service().handle(Request(method, "/health"))
    assert response.status == 405
    body = response.body.decode("utf-8")
    assert "<" not in body and len(body) < 300


@pytest.mark.parametrize("request_", [
    Request("GET", "/health"), Request("POST", "/predict", {"content-type": "text/html"}, {},
                                       b"<b>"), Request("GET", "/nowhere"),
    Request("GET", "/v2/models/x")])
def test_every_answer_says_nosniff(make_service: MakeService, request_: Request) -> None:
    assert make_service().handle(request_).headers["X-Content-Type-Options"] == "nosniff"


def test_a_fault_in_the_error_path_is_a_logged_json_500(make_service: MakeService,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service()

    def broken(*args: object, **kwargs: object) -> Response:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    monkeypatch.setattr("core.api.service.error_response", broken)
    for path, flat in (("/nowhere", False), ("/v2/models/nope", True)):
        with captured() as lines:
            response = service.handle(Request("GET", path, request_id="r-1"))
        assert response.status == 500
        assert response.headers["X-Request-Id"] == "r-1"
        assert response.json() == ({"error": "internal error"} if flat else
                                   {"error": {"code": "internal_error",
                                              "message": "internal error"}})
        (record,) = [r for r in lines.records() if r.get("status") == 500]
        assert record["error"] == "internal_error" and record["request_id"] == "r-1"


def test_a_broken_log_still_answers(make_service: MakeService,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    service: Service = make_service()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("the log stream is gone")

    monkeypatch.setattr("core.api.service.log_request", broken)
    monkeypatch.setattr("core.api.service.log_json", broken)
    monkeypatch.setattr("core.api.last_resort.log_json", broken)
    response = service.handle(Request("GET", "/nowhere"))
    assert response.status == 500 and response.json()["error"]["code"] == "internal_error"
