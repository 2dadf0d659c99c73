"""Google Cloud Functions (gen2) entry point: translates Flask to the core and back.

One deployed function answers every route (``/predict``, ``/health``, ``/model``): the core
resolves paths. Deploy with ``--entry-point predict``. Tests may replace ``service``.
"""

from __future__ import annotations

import io
import time
from typing import IO

import flask
import functions_framework

from core import errors
from core.api.deadline import request_deadline
from core.api.service import Service, default_service, last_resort
from core.messages import Invocation, Request, Response, lower_headers, parse_query, read_upto

service: Service = default_service()
service.warm()  # the model loads during the instance's start, not on the first request


def to_core(request: flask.Request, body: bytes, started: float) -> Request:
    """The core request for a Flask request whose body was already read, received at
    ``started`` (monotonic): its deadline is REQUEST_DEADLINE_SECONDS from then, as the
    function's own timeout is not visible here.

    The framework gives each request a ``Function-Execution-Id`` header (the platform's, or one
    it makes); trace headers stay in ``headers`` for the core to read.
    """
    headers = lower_headers(dict(request.headers.items()))
    return Request(method=request.method.upper(), path=request.path or "/", headers=headers,
                   query=parse_query(request.query_string.decode("latin-1")), body=body,
                   deadline=request_deadline(service.settings, started, "gcp"),
                   invocation=Invocation(platform="gcp",
                                         invocation_id=headers.get("function-execution-id")))


def to_flask(response: Response) -> flask.Response:
    """The Flask response carrying the core response's status, headers and bytes."""
    result = flask.Response(response.body, status=response.status)
    if "Content-Type" not in response.headers:
        del result.headers["Content-Type"]  # no body type (e.g. 204): don't invent text/html
    for name, value in response.headers.items():
        result.headers[name] = value
    return result


def too_large(limit: int) -> errors.PayloadTooLarge:
    """The core's error for a body over MAX_BODY_BYTES (the same message the core uses)."""
    return errors.PayloadTooLarge.body(limit)


def read_body(request: flask.Request, limit: int) -> bytes:
    """The body, refused (413) before reading when its Content-Length is over ``limit``, and
    (400) when it ends before that length, as the core's WSGI app refuses them."""
    length = request.content_length
    if length is None:  # chunked: read at most limit + 1 bytes
        return read_stream(request.stream, limit)
    if length > limit:
        raise too_large(limit)
    environ = request.environ
    body = read_upto(environ["wsgi.input"], length)
    # the framework drains the request after answering: it finds the bytes read here, all of them
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    if len(body) < length:
        raise errors.BadRequest(f"the request body ended after {len(body)} of its {length} "
                                "bytes")
    return body


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """A stream of unknown length, refused as soon as it passes ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


@functions_framework.http
def predict(request: flask.Request) -> flask.Response:
    """Answer any route of the API (the name is the deployed entry point); never raises."""
    try:
        return answer(request)
    except Exception as exc:  # a fault of this adapter's own translation: still a JSON 500
        return to_flask(last_resort(Request("POST", "/"), exc))


def answer(request: flask.Request) -> flask.Response:
    """The core's answer to one Flask request, the body refused early when too large."""
    current, started = service, time.monotonic()
    try:
        body = read_body(request, current.settings.max_body_bytes)
    except errors.ServiceError as exc:  # too large, or cut short
        return to_flask(current.reject(to_core(request, b"", started), exc))
    return to_flask(current.handle(to_core(request, body, started)))
