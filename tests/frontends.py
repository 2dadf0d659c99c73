"""The service's front ends as test legs: one ``Call`` in, one ``Answer`` out, through each
platform's real request objects.

HTTP to the local waitress server (``core.api.server`` over ``core.api.wsgi``), an HTTP API 2.0
event for Lambda, functions-framework's Flask app for GCP, ``func.HttpRequest`` through the
registered function for Azure (the Functions host cannot run here, so the route is chosen the
way the host would choose it). Each adapter's module-level service is pointed at the one given.
"""

from __future__ import annotations

import base64
import http.client
import importlib
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlencode

import pytest

from core.api.openinference import codec as oip
from core.api.service import Service
from tests.conftest import ROOT

JSON = "application/json"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    allow: str | None
    header_length: str | None = None  # Inference-Header-Content-Length (binary v2 answers)
    challenge: str | None = None  # WWW-Authenticate (a 401's)


Leg = Callable[[Call], Answer]


def inject(module: ModuleType, service: Service, patch: pytest.MonkeyPatch) -> None:
    """Point an adapter module's module-level service (``service`` or ``SERVICE``) at ours."""
    names = [name for name in ("service", "SERVICE") if hasattr(module, name)]
    assert names, f"{module.__name__} has no module-level service to inject"
    for name in names:
        patch.setattr(module, name, service)


def header(headers: Any, name: str) -> str | None:
    found = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    return found.get(name.lower())


@contextmanager
def local_leg(service: Service) -> Iterator[Leg]:
    """The local server (waitress over the WSGI app) on a free port, called over HTTP."""
    from core.api.server import make_server

    server = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address

    def run(call: Call) -> Answer:
        headers = dict(call.headers)
        if call.content_type:
            headers["Content-Type"] = call.content_type
        target = call.path + (f"?{urlencode(call.query)}" if call.query else "")
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            connection.request(call.method, target, body=call.body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        return Answer(response.status, response.getheader("Content-Type") or "", data,
                      response.getheader("Allow"), response.getheader(oip.HEADER),
                      response.getheader("WWW-Authenticate"))
    try:
        yield run
    finally:
        server.shutdown()
        server.server_close()


def lambda_leg(patch: pytest.MonkeyPatch, service: Service,
               context: Callable[[], Any] = lambda: None) -> Leg:
    """The Lambda handler on an HTTP API event; ``context`` makes each call's Lambda context."""
    module = importlib.import_module("aws_lambda.lambda_function")
    inject(module, service, patch)

    def run(call: Call) -> Answer:
        query = "&".join(f"{k}={v}" for k, v in call.query.items())
        headers = {"host": "api.example.com", **{k.lower(): v for k, v in call.headers.items()}}
        if call.content_type:
            headers["content-type"] = call.content_type
        binary = call.content_type not in (None, JSON, "application/xml")
        body = base64.b64encode(call.body).decode() if binary else call.body.decode()
        path = unquote(call.path)  # an HTTP API delivers the path percent-decoded
        event = {"version": "2.0", "routeKey": "$default", "rawPath": path,
                 "rawQueryString": query, "headers": headers,
                 "queryStringParameters": call.query or None,
                 "requestContext": {"http": {"method": call.method, "path": path,
                                             "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                             "userAgent": "contract-test"},
                                    "stage": "$default", "routeKey": "$default",
                                    "requestId": "contract", "domainName": "api.example.com"},
                 "body": body or None, "isBase64Encoded": binary}
        result = module.lambda_handler(event, context())
        raw = result.get("body") or ""
        data = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        return Answer(result["statusCode"], header(result["headers"], "content-type") or "",
                      data, header(result["headers"], "allow"),
                      header(result["headers"], oip.HEADER),
                      header(result["headers"], "www-authenticate"))
    return run


def gcp_leg(patch: pytest.MonkeyPatch, service: Service) -> Leg:
    from functions_framework import create_app

    source = str(ROOT / "gcp_function" / "main.py")
    app = create_app(target="predict", source=source)  # type: ignore[no-untyped-call]
    inject(sys.modules["main"], service, patch)
    client = app.test_client()

    def run(call: Call) -> Answer:
        response = client.open(call.path, method=call.method, data=call.body,
                               content_type=call.content_type, query_string=call.query,
                               headers=call.headers)
        return Answer(response.status_code, response.headers.get("Content-Type", ""),
                      response.data, response.headers.get("Allow"),
                      response.headers.get(oip.HEADER),
                      response.headers.get("WWW-Authenticate"))
    return run


def azure_leg(patch: pytest.MonkeyPatch, service: Service) -> Leg:
    import azure.functions as func

    from tests.azure_function.context import Context

    module = importlib.import_module("azure_function.function_app")
    inject(module, service, patch)
    patch.setattr(module.app, "functions_bindings", None)  # the worker indexes once; we re-index
    functions = {f.get_function_name(): f for f in module.app.get_functions()}

    def route(call: Call) -> Any:  # the host: a literal route with the method, else catch-all
        name = call.path.strip("/")
        trigger = functions[name].get_trigger() if name in functions else None
        methods = {str(m.value) for m in getattr(trigger, "methods", None) or ()}
        chosen = name if call.method in methods else "fallback"
        return functions[chosen].get_user_function()

    def run(call: Call) -> Answer:
        headers = {"Content-Type": call.content_type} if call.content_type else {}
        headers.update(call.headers)
        request = func.HttpRequest(call.method, f"https://app.azurewebsites.net/api{call.path}",
                                   headers=headers, params=call.query, body=call.body)
        response = route(call)(request, Context())
        return Answer(response.status_code, response.headers.get("Content-Type", ""),
                      response.get_body(), response.headers.get("Allow"),
                      response.headers.get(oip.HEADER),
                      response.headers.get("WWW-Authenticate"))
    return run


@contextmanager
def front_ends(service: Service, patch: pytest.MonkeyPatch,
               lambda_context: Callable[[], Any] = lambda: None) -> Iterator[dict[str, Leg]]:
    """Every front end on ``service``: local, lambda (``lambda_context`` makes each call's
    context), gcp and azure."""
    with local_leg(service) as local:
        yield {"local": local, "lambda": lambda_leg(patch, service, lambda_context),
               "gcp": gcp_leg(patch, service), "azure": azure_leg(patch, service)}
