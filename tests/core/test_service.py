"""The HTTP-neutral API: every input form, every route and every error status."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from core.api.service import Service
from core.inference.classifier import Classifier
from core.messages import Request, Response
from tests import images


def post(service: Service, body: bytes | dict[str, Any], content_type: str = "application/json",
         path: str = "/predict", query: dict[str, str] | None = None) -> Response:
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return service.handle(Request("POST", path, {"content-type": content_type}, query or {}, raw))


def multipart(fields: dict[str, tuple[str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "----test-boundary-7MA4YWxkTrZu0gW"
    parts = []
    for name, (filename, data) in fields.items():
        disposition = f'form-data; name="{name}"'
        if filename:
            disposition += f'; filename="{filename}"'
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def assert_scores(body: Any, classifier: Classifier, k: int | None = None) -> None:
    assert isinstance(body, dict)
    labels = list(body)
    assert len(labels) == (k or len(classifier.labels))
    assert set(labels) <= set(classifier.labels)
    values = list(body.values())
    assert all(type(v) is float for v in values)
    assert values == sorted(values, reverse=True)


def test_url_input_the_lessons_contract(service: Service, image_server: HTTPServer,
                                        classifier: Classifier) -> None:
    response = post(service, {"url": image_server.url_for("/img/photo.jpg")})
    assert response.status == 200, response.body
    assert response.headers["Content-Type"] == "application/json"
    assert_scores(response.json(), classifier)
    timing = response.headers["Server-Timing"]
    assert "fetch;dur=" in timing and "decode;dur=" in timing and "inference;dur=" in timing


@pytest.mark.parametrize("name", ["photo.jpg", "alpha.png", "cmyk.jpg", "rotated.jpg",
                                  "anim.gif", "deep.png"])
def test_every_served_image_kind_is_classified(service: Service, image_server: HTTPServer,
                                               classifier: Classifier, name: str) -> None:
    response = post(service, {"url": image_server.url_for(f"/img/{name}")})
    assert response.status == 200, response.body
    assert_scores(response.json(), classifier)


def test_all_input_forms_agree(service: Service, image_server: HTTPServer) -> None:
    data = images.jpeg()
    by_url = post(service, {"url": image_server.url_for("/img/photo.jpg")}).json()
    by_b64 = post(service, {"image": base64.b64encode(data).decode()}).json()
    by_raw = post(service, data, "image/jpeg").json()
    form, kind = multipart({"file": ("photo.jpg", data)})
    by_form = post(service, form, kind).json()
    assert by_url == by_b64 == by_raw == by_form


def test_top_k_from_query_and_json(service: Service, classifier: Classifier) -> None:
    data = base64.b64encode(images.jpeg()).decode()
    full = post(service, {"image": data}).json()
    top3 = post(service, {"image": data, "top_k": 3}).json()
    assert_scores(top3, classifier, 3)
    assert list(top3.items()) == list(full.items())[:3]
    top1 = post(service, {"image": data}, query={"top_k": "1"}).json()
    assert list(top1.items()) == list(full.items())[:1]


def test_batch_keeps_order_and_isolates_a_bad_url(service: Service, image_server: HTTPServer,
                                                  classifier: Classifier) -> None:
    urls = [image_server.url_for("/img/photo.jpg"), image_server.url_for("/missing"),
            image_server.url_for("/img/alpha.png"), image_server.url_for("/img/not-image.txt")]
    response = post(service, {"urls": urls})
    assert response.status == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == 4
    assert body[0] == post(service, {"url": urls[0]}).json()
    assert body[1]["error"]["code"] == "url_status"
    assert_scores(body[2], classifier)
    assert body[3]["error"]["code"] == "invalid_image"


def test_health_and_model(service: Service, classifier: Classifier) -> None:
    health = service.handle(Request("GET", "/health"))
    assert health.status == 200
    assert health.json()["model_loaded"] is True
    assert health.json()["runtime"] == "litert"
    model = service.handle(Request("GET", "/model")).json()
    assert model["labels"] == list(classifier.labels)
    assert model["sha256"] == classifier.sha256
    assert model["input"]["shape"] == [1, *classifier.input.shape[1:]]
    assert model["size_bytes"] == Path(classifier.model_path).stat().st_size


def test_stage_prefix_is_routed(service: Service) -> None:
    assert service.handle(Request("GET", "/prod/health")).status == 200
    assert service.handle(Request("GET", "/health/")).status == 200


def error_of(response: Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert "Traceback" not in response.body.decode()
    return response.status, body["error"]["code"]


def test_routing_errors(service: Service) -> None:
    assert error_of(service.handle(Request("GET", "/nope"))) == (404, "not_found")
    wrong = service.handle(Request("GET", "/predict"))
    assert error_of(wrong) == (405, "method_not_allowed")
    assert wrong.headers["Allow"] == "POST"
    assert error_of(service.handle(Request("DELETE", "/health")))[0] == 405


@pytest.mark.parametrize(("body", "kind", "status", "code"), [
    (b"{not json", "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "invalid_json"),
    (b"[1, 2]", "application/json", 400, "invalid_field"),
    (b'{"nothing": 1}', "application/json", 400, "invalid_field"),
    (b'{"url": 5}', "application/json", 400, "invalid_field"),
    (b'{"url": "a", "image": "b"}', "application/json", 400, "invalid_field"),
    (b'{"image": "***not base64***"}', "application/json", 400, "invalid_field"),
    (b'{"urls": []}', "application/json", 400, "invalid_field"),
    (b'{"url": "ftp://example.com/a.jpg"}', "application/json", 400, "url_not_allowed"),
    (b'{"url": "file:///etc/passwd"}', "application/json", 400, "url_not_allowed"),
    (b'{"url": "https://example.com/x.jpg", "top_k": 0}', "application/json", 400,
     "invalid_field"),
    (b'{"url": "https://example.com/x.jpg", "top_k": "3"}', "application/json", 400,
     "invalid_field"),
    (b"<xml/>", "application/xml", 415, "unsupported_media_type"),
    (b"%PDF-1.4 ...", "application/octet-stream", 415, "unsupported_image_format"),
    (b"GIF89a garbage", "image/gif", 422, "invalid_image"),
    (b"", "image/jpeg", 400, "invalid_field"),
])
def test_bad_requests(service: Service, body: bytes, kind: str, status: int, code: str) -> None:
    assert error_of(post(service, body, kind)) == (status, code)


def test_too_many_urls(service: Service) -> None:
    urls = [f"https://example.com/{i}.jpg" for i in range(service.settings.max_batch + 1)]
    assert error_of(post(service, {"urls": urls})) == (400, "invalid_field")


def test_body_too_large(service: Service) -> None:
    body = b"\xff" * (service.settings.max_body_bytes + 1)
    assert error_of(post(service, body, "image/jpeg")) == (413, "payload_too_large")


def test_fetch_errors_are_422_with_the_reason(service: Service, image_server: HTTPServer) -> None:
    status = post(service, {"url": image_server.url_for("/missing")})
    assert error_of(status) == (422, "url_status")
    assert "404" in status.json()["error"]["message"]
    closed = post(service, {"url": "http://127.0.0.1:9/x.jpg"})
    assert error_of(closed) == (422, "url_unreachable")


def test_unexpected_fault_is_a_bare_500(service: Service, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail /var/task/core/model.py")

    monkeypatch.setattr(service.pipeline.classifier, "predict", explode)
    response = post(service, images.jpeg(), "image/jpeg")
    assert error_of(response) == (500, "internal_error")
    assert b"secret" not in response.body and b"/var/task" not in response.body


def test_options_preflight(service: Service) -> None:
    response = service.handle(Request("OPTIONS", "/predict"))
    assert response.status == 204
    assert "POST" in response.headers["Allow"]
