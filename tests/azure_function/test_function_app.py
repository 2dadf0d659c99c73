"""The Azure adapter: real ``func.HttpRequest`` objects through the app's registered functions.

The Functions host itself (Azure Functions Core Tools, a .NET process) cannot run here, so these
tests index the ``FunctionApp`` as the Python worker does (``app.get_functions()``) and call each
function's user function with the request object the worker would build.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import time
from types import ModuleType

import azure.functions as func
import pytest
from azure.functions.decorators.core import AuthLevel
from azure.functions.decorators.http import HttpTrigger
from pytest_httpserver import HTTPServer

import azure_function.function_app as function_app
from core.api.service import Service
from core.config import Settings
from core.errors import ConfigError
from core.inference.classifier import Classifier
from tests import images
from tests.azure_function.context import Context
from tests.conftest import ROOT, make_settings
from tests.core.test_service import multipart

SOURCE = ROOT / "azure_function" / "function_app.py"


def registered(app: func.FunctionApp) -> dict[str, func.Function]:
    """The app's functions by name, indexed as the worker does (once per process there, so the
    library's duplicate-name bookkeeping is reset for repeated indexing in tests)."""
    app.functions_bindings = None
    return {str(f.get_function_name()): f for f in app.get_functions()}


def http_functions(app: func.FunctionApp) -> dict[str, func.Function]:
    """The app's HTTP functions by name (the Event Grid function is in test_events.py)."""
    return {name: f for name, f in registered(app).items() if f.is_http_function()}


def trigger(function: func.Function) -> HttpTrigger:
    found = function.get_trigger()
    assert isinstance(found, HttpTrigger)
    return found


def call(name: str, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None, params: dict[str, str] | None = None
         ) -> func.HttpResponse:
    """Invoke the registered function ``name`` with a real HttpRequest for ``/api<path>``."""
    request = func.HttpRequest(method, f"http://localhost:7071/api{path}", headers=headers or {},
                               params=params or {}, body=body)
    response = registered(function_app.app)[name].get_user_function()(request, Context())
    assert isinstance(response, func.HttpResponse)
    return response


@pytest.fixture(autouse=True)
def test_service(service: Service, monkeypatch: pytest.MonkeyPatch) -> Service:
    monkeypatch.setattr(function_app, "service", service)
    return service


def test_the_route_prefix_is_stripped_so_api_root_is_the_page() -> None:
    page = call("fallback", "GET", "/")
    assert page.status_code == 200
    assert (page.mimetype or "").startswith("text/html") or "text/html" in page.headers.get(
        "Content-Type", "")
    missing = json.loads(call("fallback", "GET", "/nope").get_body())
    assert missing["error"]["message"].startswith("no route for /nope")
    assert function_app.strip_prefix("/api/predict", "api") == "/predict"
    assert function_app.strip_prefix("/apis/predict", "api") == "/apis/predict"
    assert function_app.strip_prefix("/predict", "") == "/predict"


def load_fresh(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("function_app_fresh", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_routes_methods_and_function_key_auth_by_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(registered(function_app.app)) == {"predict", "health", "model", "fallback",
                                                 "classify_blob"}
    functions = http_functions(function_app.app)
    assert set(functions) == {"predict", "health", "model", "fallback"}
    routes = {name: trigger(f).route for name, f in functions.items()}
    assert routes == {"predict": "predict", "health": "health", "model": "model",
                      "fallback": "{*path}"}
    methods = {str(m.value) for m in trigger(functions["predict"]).methods or ()}
    assert methods == {"POST", "OPTIONS"}
    monkeypatch.delenv("AZURE_AUTH_LEVEL", raising=False)
    fresh = load_fresh(monkeypatch)
    assert {trigger(f).auth_level for f in http_functions(fresh.app).values()} == {
        AuthLevel.FUNCTION}


def test_auth_level_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_fresh(monkeypatch, AZURE_AUTH_LEVEL="Function")
    levels = {trigger(f).auth_level for f in http_functions(module.app).values()}
    assert levels == {AuthLevel.FUNCTION}
    module = load_fresh(monkeypatch, AZURE_AUTH_LEVEL="anonymous")
    levels = {trigger(f).auth_level for f in http_functions(module.app).values()}
    assert levels == {AuthLevel.ANONYMOUS}
    with pytest.raises(ConfigError, match="AZURE_AUTH_LEVEL"):
        load_fresh(monkeypatch, AZURE_AUTH_LEVEL="public")
    with pytest.raises(ConfigError, match="AZURE_DEADLINE_SECONDS"):
        Settings.from_env(env={"AZURE_DEADLINE_SECONDS": "soon"})


def test_url_prediction(image_server: HTTPServer, classifier: Classifier) -> None:
    body = b'{"url": "%s"}' % image_server.url_for("/img/photo.jpg").encode()
    response = call("predict", "POST", "/predict", body, {"Content-Type": "application/json"})
    assert response.status_code == 200, response.get_body()
    assert response.headers["Content-Type"] == "application/json"
    assert response.mimetype == "application/json"
    scores = response.get_body()
    assert set(json.loads(scores)) <= set(classifier.labels)
    assert "inference;dur=" in response.headers["Server-Timing"]


def test_every_body_form_agrees() -> None:
    data = images.jpeg()
    raw = call("predict", "POST", "/predict", data, {"content-type": "image/jpeg"})
    b64 = call("predict", "POST", "/predict",
               b'{"image": "%s"}' % base64.b64encode(data), {"Content-Type": "application/json"})
    form, kind = multipart({"file": ("photo.jpg", data)})
    multi = call("predict", "POST", "/predict", form, {"Content-Type": kind})
    assert raw.status_code == b64.status_code == multi.status_code == 200
    assert raw.get_body() == b64.get_body() == multi.get_body()
    top1 = call("predict", "POST", "/predict", data, {"Content-Type": "image/jpeg"},
                {"top_k": "1"})
    assert len(json.loads(top1.get_body())) == 1


def test_health_model_and_the_catch_all() -> None:
    assert call("health", "GET", "/health").status_code == 200
    assert b'"labels"' in call("model", "GET", "/model").get_body()
    missing = call("fallback", "GET", "/nope")
    assert missing.status_code == 404 and b'"not_found"' in missing.get_body()
    wrong = call("fallback", "GET", "/predict")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"


def test_deadline_is_set_and_enforced(monkeypatch: pytest.MonkeyPatch,
                                      classifier: Classifier) -> None:
    request = func.HttpRequest("GET", "http://h/api/health", body=b"")
    started = time.monotonic()
    assert function_app.to_core(request, started).deadline == started + 220.0
    hurried = Service(make_settings(azure_deadline_seconds=1e-6), classifier=classifier)
    monkeypatch.setattr(function_app, "service", hurried)
    late = call("predict", "POST", "/predict", images.jpeg(), {"Content-Type": "image/jpeg"})
    assert late.status_code == 504 and b'"deadline_exceeded"' in late.get_body()
