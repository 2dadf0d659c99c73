"""core.api.wsgi: the core as a WSGI application, called the way any WSGI server calls it."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

import core.api.wsgi
from core.api.service import Service
from core.api.wsgi import make_app
from tests import images


def environ(method: str = "GET", path: str = "/health", body: bytes | None = None,
            **extra: Any) -> dict[str, Any]:
    env: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
                           "SERVER_NAME": "x", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(
                               body or b"")}
    if body is not None:
        env["CONTENT_LENGTH"] = str(len(body))
    env.update(extra)
    return env


def run(app: core.api.wsgi.WSGIApp, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(app(env, lambda status, headers: seen.append((status, headers))))
    status, headers = seen[0]
    return status, dict(headers), body


def test_a_photo_is_classified_with_the_services_headers(service: Service) -> None:
    status, headers, body = run(make_app(service), environ(
        "POST", "/predict", images.jpeg(), CONTENT_TYPE="image/jpeg", QUERY_STRING="top_k=2"))
    assert status == "200 OK" and len(json.loads(body)) == 2
    assert headers["Content-Length"] == str(len(body)) and "X-Request-Id" in headers


def test_the_module_app_uses_the_default_service() -> None:
    status, _, body = run(core.api.wsgi.app, environ())
    assert status == "200 OK" and json.loads(body)["model_loaded"] is True


@pytest.mark.parametrize(("extra", "status", "code"), [
    ({"CONTENT_LENGTH": "10", "wsgi.input": io.BytesIO(b"{}")}, "400 Bad Request", "bad_request"),
    ({"CONTENT_LENGTH": "\u00b2"}, "400 Bad Request", "bad_request"),
    ({"CONTENT_LENGTH": "9" * 5000}, "413 Request Entity Too Large", "payload_too_large"),
    ({"CONTENT_LENGTH": "", "wsgi.input_terminated": True,
      "wsgi.input": io.BytesIO(b"x" * (7 << 20))}, "413 Request Entity Too Large",
     "payload_too_large"),
])
def test_body_framing_errors(service: Service, extra: dict[str, Any], status: str,
                             code: str) -> None:
    env = environ("POST", "/predict", None, CONTENT_TYPE="application/json", **extra)
    got, _, body = run(make_app(service), env)
    assert (got, json.loads(body)["error"]["code"]) == (status, code)


def test_a_terminated_body_without_length_is_read(service: Service) -> None:
    env = environ("POST", "/predict", None, CONTENT_TYPE="image/jpeg",
                  **{"wsgi.input_terminated": True, "wsgi.input": io.BytesIO(images.jpeg())})
    assert run(make_app(service), env)[0] == "200 OK"


def test_utf8_paths_and_unknown_methods(service: Service) -> None:
    status, _, body = run(make_app(service), environ("PATCH", "/h\u00c3\u00a9"))
    assert status == "404 Not Found" and json.loads(body)["error"]["code"] == "not_found"
    status, headers, _ = run(make_app(service), environ("TRACE", "/predict"))
    assert status == "405 Method Not Allowed" and "POST" in headers["Allow"]
