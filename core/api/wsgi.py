"""The core as a WSGI application: the standard entry point for containers and WSGI servers.

    gunicorn 'core.api.wsgi:app'            # or: waitress-serve core.api.wsgi:app
    python -m core serve                # waitress, configured by core.api.server

``app`` answers with the process's default service (configured from the environment, created on
the first request); ``make_app(service)`` wraps any other. The body is read up to its declared
Content-Length: a body cut short (the client went away) is refused with 400 before the model
runs, and a declared length over MAX_BODY_BYTES is refused with 413 before anything is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from core import errors
from core.api.deadline import request_deadline
from core.api.metrics_endpoint import expose_metrics
from core.api.service import Service, default_service
from core.messages import Request, Response, parse_query, read_upto

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_app(service: Service | None = None) -> WSGIApp:
    """A WSGI application answering with ``service`` (default: the process's service, created
    on the first request). With METRICS=prometheus the service also answers ``GET /metrics``
    (core.api.metrics_endpoint), mounted here: a given service's at once, so a server that
    cannot serve it stops at start."""
    if service is not None:
        expose_metrics(service)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        own = service or _default_exposed()
        started = time.monotonic()  # the body is read below, inside the request's time
        request = replace(request_of(environ),
                          deadline=request_deadline(own.settings, started))
        try:
            body = read_body(environ, own.settings.max_body_bytes)
        except errors.ServiceError as exc:
            return respond(own.reject(request, exc), start_response)
        return respond(own.handle(replace(request, body=body)), start_response)
    return app


def _default_exposed() -> Service:
    """The process's service, its ``GET /metrics`` mounted when the settings ask for it."""
    own = default_service()
    expose_metrics(own)
    return own


def request_of(environ: dict[str, Any]) -> Request:
    """The request line and headers of ``environ`` (no body yet)."""
    headers = {key[5:].replace("_", "-").lower(): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    path = _text(environ.get("SCRIPT_NAME", "")) + _text(environ.get("PATH_INFO", ""))
    return Request(method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
                   path=path or "/", headers=headers,
                   query=parse_query(str(environ.get("QUERY_STRING", ""))))


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """Exactly Content-Length bytes of the body: 400 when cut short, 413 when over ``limit``."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ.get("wsgi.input")
    if not declared:
        if stream is None or not environ.get("wsgi.input_terminated"):
            return b""
        body = read_upto(stream, limit + 1)
        if len(body) > limit:
            raise errors.PayloadTooLarge.body(limit)
        return body
    if not (declared.isascii() and declared.isdigit()):
        raise errors.BadRequest("invalid Content-Length")
    if len(declared) > 18 or int(declared) > limit:
        raise errors.PayloadTooLarge.body(limit)
    length = int(declared)
    body = read_upto(stream, length) if length and stream is not None else b""
    if len(body) < length:
        raise errors.BadRequest(
            f"the request body ended after {len(body)} of its {length} bytes")
    return body




def respond(response: Response, start_response: StartResponse) -> Iterable[bytes]:
    """Start ``response`` and return its body."""
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(response.body))))
    start_response(f"{response.status} {phrase}".rstrip(), headers)
    return [response.body]


def _text(value: Any) -> str:
    """A WSGI ('latin-1 decoded') string as the UTF-8 text it carries."""
    raw = str(value)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


app: WSGIApp = make_app()
