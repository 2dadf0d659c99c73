"""Whatever a request or event holds, every front end answers JSON below 500, with a log line.

Hypothesis drives random methods, paths, headers, bodies (JSON documents of every shape, bytes,
text with lone surrogates) and, for Lambda, whole random events and hand-broken fields of real
ones, through the four front ends as their platforms call them: the WSGI app (the local
server), ``lambda_handler``, functions-framework's Flask app, and the Azure function with
``func.HttpRequest``.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api.service import Service
from core.api.wsgi import make_app
from core.inference.classifier import Classifier
from tests.conftest import ROOT, make_settings
from tests.logcapture import captured

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)  # surrogates too
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=20)
KEYS = st.sampled_from(["url", "urls", "image", "top_k", "inputs", "outputs", "id", "name",
                        "datatype", "shape", "data", "parameters", "binary_data_size"])
DOCS = st.recursive(JSON_VALUES, lambda inner: st.dictionaries(KEYS, inner, max_size=5),
                    max_leaves=25)
PATHS = st.one_of(
    st.sampled_from(["/predict", "/health", "/model", "/", "/v2", "/v2/health/live",
                     "/v2/models/clothing-mobilenet-v2", "/v2/models/clothing-mobilenet-v2/infer",
                     "/v2/models/x/versions/y/infer"]),
    st.builds(lambda a, b: f"/{a}/{b}", HEADER_TEXT, HEADER_TEXT))
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"])
CONTENT_TYPES = st.sampled_from(["application/json", "image/jpeg", "multipart/form-data",
                                 "multipart/form-data; boundary=x", "text/plain", "",
                                 "application/octet-stream"])
BODIES = st.one_of(st.binary(max_size=300), DOCS.map(lambda d: json.dumps(d).encode()),
                   ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def service(classifier: Classifier) -> Service:
    return Service(make_settings(max_body_bytes=64 * 1024), classifier=classifier)


@pytest.fixture(scope="module")
def adapters(service: Service) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as patch:
        lam = importlib.import_module("aws_lambda.lambda_function")
        patch.setattr(lam, "SERVICE", service)
        from functions_framework import create_app

        gcp = create_app(target="predict", source=str(ROOT / "gcp_function" / "main.py"))  # type: ignore[no-untyped-call]
        patch.setattr(sys.modules["main"], "service", service)
        azure = importlib.import_module("azure_function.function_app")
        patch.setattr(azure, "service", service)
        yield {"lambda": lam, "gcp": gcp, "azure": azure}


Answer = tuple[int, str, bytes]  # status, Content-Type, body


def one_answer(call: Callable[[], Answer]) -> None:
    """``call`` answers below 500 (JSON unless it is the demo page) with one request line."""
    with captured() as lines:
        status, kind, body = call()
    assert status < 500, (status, body[:300])
    if status >= 400:
        assert kind.startswith("application/json"), (status, kind)
    if body and kind.startswith("application/json"):  # (HEAD answers carry no body)
        json.loads(body)
    requests = [r for r in lines.records() if r.get("event") == "request"]
    assert len(requests) == 1, lines.lines


HEADERS = st.dictionaries(HEADER_TEXT.filter(str.strip).map(lambda h: "x-" + h), HEADER_TEXT,
                          max_size=3)


def wsgi_call(app: Any, method: str, path: str, body: bytes, kind: str,
              headers: dict[str, str]) -> Callable[[], Answer]:
    """One request to a WSGI app with the environ a server builds (PEP 3333)."""
    env: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
                           "SERVER_NAME": "x", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                           "CONTENT_TYPE": kind, "CONTENT_LENGTH": str(len(body)),
                           "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                           "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
                           "wsgi.multiprocess": False, "wsgi.run_once": False,
                           "wsgi.version": (1, 0), "SCRIPT_NAME": ""}
    env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})

    def call() -> Answer:
        seen: list[tuple[str, list[tuple[str, str]]]] = []
        data = b"".join(app(env, lambda status, headers, *_: seen.append((status, headers))))
        status, sent = seen[0]
        return int(status.split()[0]), dict(sent).get("Content-Type", ""), data
    return call


@SETTINGS
@given(method=METHODS, path=PATHS, body=BODIES, kind=CONTENT_TYPES, headers=HEADERS)
def test_the_local_server_app(service: Service, method: str, path: str, body: bytes, kind: str,
                              headers: dict[str, str]) -> None:
    one_answer(wsgi_call(make_app(service), method, path, body, kind, headers))


def http_event(method: str, path: str, body: Any, base64: Any, headers: Any) -> dict[str, Any]:
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": headers, "requestContext": {"http": {"method": method, "path": path},
                                                   "stage": "$default"},
            "body": body, "isBase64Encoded": base64}


@SETTINGS
@given(method=METHODS, path=PATHS, body=st.one_of(JSON_VALUES, BODIES.map(
    lambda b: b.decode("utf-8", "surrogateescape"))), base64=JSON_VALUES,
       headers=st.one_of(JSON_VALUES, st.dictionaries(HEADER_TEXT, ANY_TEXT, max_size=3)))
def test_lambda_http_events_with_any_field(adapters: dict[str, Any], method: str, path: str,
                                           body: Any, base64: Any, headers: Any) -> None:
    event = http_event(method, path, body, base64, headers)

    def call() -> Answer:
        result = adapters["lambda"].lambda_handler(event, None)
        kind = {k.lower(): v for k, v in result["headers"].items()}.get("content-type", "")
        return int(result["statusCode"]), kind, str(result.get("body") or "").encode()
    one_answer(call)


@SETTINGS
@given(event=st.one_of(DOCS, st.integers(0, 10**12).map(lambda n: {"body": n})))
def test_lambda_direct_events_of_any_shape(adapters: dict[str, Any], event: Any) -> None:
    def call() -> Answer:
        result = adapters["lambda"].lambda_handler(event, None)
        if isinstance(result, dict) and "statusCode" in result:
            kind = {k.lower(): v for k, v in result["headers"].items()}.get("content-type", "")
            return int(result["statusCode"]), kind, str(result.get("body") or "").encode()
        error = result.get("error") if isinstance(result, dict) else None
        status = int(error["status"]) if isinstance(error, dict) else 200
        return status, "application/json", json.dumps(result).encode()
    one_answer(call)


def test_lambda_events_nested_too_deep_for_json(adapters: dict[str, Any]) -> None:
    event: Any = {}
    for _ in range(max(3000, 10 * sys.getrecursionlimit())):  # deeper than any JSON encoder goes
        event = {"url": event}
    with captured() as lines:
        result = adapters["lambda"].lambda_handler(event, None)
    assert result["error"]["status"] == 400 and result["error"]["code"] == "invalid_json"
    assert [r["status"] for r in lines.records() if r.get("event") == "request"] == [400]


@SETTINGS
@given(method=METHODS, path=PATHS, body=BODIES, kind=CONTENT_TYPES, headers=HEADERS)
def test_gcp_flask_requests(adapters: dict[str, Any], method: str, path: str, body: bytes,
                            kind: str, headers: dict[str, str]) -> None:
    """functions-framework's Flask app, called as the platform's WSGI server calls it."""
    one_answer(wsgi_call(adapters["gcp"], method, path, body, kind, headers))


@SETTINGS
@given(method=METHODS, path=PATHS, body=BODIES, kind=CONTENT_TYPES,
       host=st.sampled_from(["app.azurewebsites.net", "[::1", "[::1]", "x:99999", "[v1.x]"]))
def test_azure_requests_with_any_url(adapters: dict[str, Any], method: str, path: str,
                                     body: bytes, kind: str, host: str) -> None:
    import azure.functions as func

    def call() -> Answer:
        request = func.HttpRequest(method, f"http://{host}/api{path}",
                                   headers={"Content-Type": kind} if kind else {}, body=body)
        response = adapters["azure"].answer(request)
        return (int(response.status_code), response.headers.get("Content-Type", ""),
                bytes(response.get_body()))
    one_answer(call)
