"""The GCP adapter through the framework's own Flask app (functions_framework.create_app)."""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from flask import Flask
from flask.testing import FlaskClient
from functions_framework import create_app
from pytest_httpserver import HTTPServer

from core.api.service import Service
from core.inference.classifier import Classifier
from tests import images
from tests.conftest import ROOT, make_settings
from tests.core.test_service import multipart

SOURCE = ROOT / "gcp_function" / "main.py"


@pytest.fixture(scope="module")
def gcp_main(service: Service) -> Iterator[tuple[FlaskClient, ModuleType]]:
    """The framework's app for main.py, whose module-level service is the test service."""
    app: Flask = create_app(target="predict", source=str(SOURCE))  # type: ignore[no-untyped-call]
    module = sys.modules["main"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "service", service)
        yield app.test_client(), module


@pytest.fixture
def client(gcp_main: tuple[FlaskClient, ModuleType]) -> FlaskClient:
    return gcp_main[0]


def test_url_prediction(client: FlaskClient, image_server: HTTPServer,
                        classifier: Classifier) -> None:
    response = client.post("/predict", json={"url": image_server.url_for("/img/photo.jpg")})
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/json"
    assert list(response.get_json()) and set(response.get_json()) <= set(classifier.labels)
    assert "inference;dur=" in response.headers["Server-Timing"]
    assert response.headers["X-Request-Id"]


def test_every_body_form_matches_the_core(client: FlaskClient, service: Service) -> None:
    data = images.jpeg()
    raw = client.post("/predict", data=data, content_type="image/jpeg")
    b64 = client.post("/predict", json={"image": base64.b64encode(data).decode()})
    form, kind = multipart({"file": ("photo.jpg", data)})
    multi = client.post("/predict", data=form, content_type=kind)
    assert raw.status_code == b64.status_code == multi.status_code == 200
    assert raw.get_json() == b64.get_json() == multi.get_json()


def test_query_and_prefixed_paths(client: FlaskClient) -> None:
    data = images.jpeg()
    top2 = client.post("/classify/predict?top_k=2", data=data, content_type="image/jpeg")
    assert top2.status_code == 200 and len(top2.get_json()) == 2
    assert client.get("/health").get_json()["model_loaded"] is True
    assert client.get("/classify/model").get_json()["labels"]


def test_routing_errors_are_the_cores(client: FlaskClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.get("/predict")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    preflight = client.options("/predict")
    assert preflight.status_code == 204 and "Content-Type" not in preflight.headers


def test_body_over_the_limit_is_refused_before_reading(
        gcp_main: tuple[FlaskClient, ModuleType], classifier: Classifier,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, module = gcp_main
    small = Service(make_settings(max_body_bytes=1000), classifier=classifier)
    monkeypatch.setattr(module, "service", small)
    read: list[int] = []
    monkeypatch.setattr(small, "handle", lambda request: read.append(1))  # must not be reached
    response = client.post("/predict", data=b"\xff" * 1001, content_type="image/jpeg")
    assert response.status_code == 413, response.data
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert read == []


@pytest.mark.parametrize("declared", [100, 10_000])
def test_a_body_cut_short_is_the_cores_json_400(client: FlaskClient, service: Service,
                                                declared: int) -> None:
    """A body that ends before its Content-Length (the client went away) gets the same JSON
    400 as from the core's WSGI app (the local server), not the framework's HTML page."""
    from core.api.wsgi import make_app

    sent = b'{"url": "http://example.com/x.jpg"'

    def environ() -> dict[str, object]:
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/predict", "QUERY_STRING": "",
                "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(declared),
                "wsgi.input": io.BytesIO(sent)}
    started: list[str] = []
    local = b"".join(make_app(service)(environ(), lambda status, _: started.append(status)))
    answer = client.open("/predict", method="POST", environ_overrides=environ())
    assert started == ["400 Bad Request"] and answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.get_json() == json.loads(local) == {"error": {
        "code": "bad_request",
        "message": f"the request body ended after {len(sent)} of its {declared} bytes"}}
