"""Hostile-input fixtures: every test runs in the network jail, on the real default model."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from core.api.service import Service
from core.config import Settings
from core.inference.classifier import Classifier
from core.messages import Request, Response
from tests.hostile.netjail import NetJail, install

MakeService = Callable[..., Service]


@pytest.fixture(autouse=True)
def jail(monkeypatch: pytest.MonkeyPatch) -> NetJail:
    """Fake DNS, and no connection anywhere but 127.0.0.0/8 (each one recorded)."""
    return install(monkeypatch)


def strict_settings(**overrides: Any) -> Settings:
    """Production defaults (private URLs refused) from an empty environment."""
    values: dict[str, Any] = {"model_threads": 2}
    values.update(overrides)
    return Settings.from_env(env={}, **values)


@pytest.fixture
def make_service(classifier: Classifier) -> MakeService:
    """A service on the default model with production defaults plus ``overrides``."""
    def make(**overrides: Any) -> Service:
        return Service(strict_settings(**overrides), classifier=classifier)
    return make


@pytest.fixture
def strict(make_service: MakeService) -> Service:
    """A service with every production default."""
    return make_service()


def call(service: Service, body: bytes | dict[str, Any] | list[Any],
         content_type: str = "application/json", query: dict[str, str] | None = None,
         method: str = "POST", path: str = "/predict") -> Response:
    """One request through ``Service.handle``."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return service.handle(Request(method, path, {"content-type": content_type}, query or {},
                                  raw))


def error_of(response: Response) -> tuple[int, str]:
    """(status, error code), asserting the error body is well formed and leaks nothing."""
    data = response.json()
    assert set(data) == {"error"}, data
    assert set(data["error"]) == {"code", "message"}, data
    assert_no_leak(response.body)
    return response.status, str(data["error"]["code"])


def assert_no_leak(body: bytes) -> None:
    """No stack trace, internal path or exception class name in a response body."""
    text = body.decode("utf-8", "replace")
    for marker in ("Traceback", 'File "', "/work/", "site-packages", ".py", "Error:",
                   "errno", "HTTPConnectionPool", "urllib3"):
        assert marker not in text, text
