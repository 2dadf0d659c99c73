"""One Lambda invocation: pick the event shape, set the deadline, let the core answer.

Nothing here raises: an unhandled exception would reach Lambda as a function error, which
API Gateway turns into a bare 502. Every fault becomes the shape's own 500 JSON answer instead.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import traceback
from collections.abc import Mapping
from typing import Any

from aws_lambda.events import Shape, common, direct, find_shape, is_storage_event
from core import errors
from core.api.deadline import request_deadline
from core.api.service import Service
from core.config import Settings
from core.messages import Invocation, Request, Response, error_response, new_request_id
from core.telemetry.request_log import log_json


def time_left_ms(context: Any, limit_ms: int | None) -> float | None:
    """Milliseconds the platform leaves the request: the invocation's remaining time, capped by
    the front door's own limit (None without a context or a limit)."""
    limits: list[float] = [] if limit_ms is None else [float(limit_ms)]
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        limits.append(float(remaining()))
    return min(limits) if limits else None


def with_deadline(request: Request, context: Any, limit_ms: int | None,
                  settings: Settings) -> Request:
    """``request`` with its deadline (``core.api.deadline``: the time left less the margin)."""
    deadline = request_deadline(settings, time.monotonic(), "aws_lambda",
                                time_left_ms(context, limit_ms))
    return dataclasses.replace(request, deadline=deadline)


def invocation(context: Any, environ: Mapping[str, str] | None = None) -> Invocation:
    """The invocation's ids for its log line: request id, X-Ray trace header, function name.

    The runtime client sets ``_X_AMZN_TRACE_ID`` before each invocation (it is per request,
    not configuration).
    """
    env = os.environ if environ is None else environ
    name = getattr(context, "function_name", None)
    return Invocation(platform="aws_lambda", invocation_id=common.request_id(context),
                      xray_trace=env.get("_X_AMZN_TRACE_ID"),
                      function_name=name if isinstance(name, str) else None)


def handle_event(service: Service, event: Any, context: Any) -> Any:
    """The invocation's result in the event's own shape; never raises, but for a storage
    event (S3, EventBridge) that must be retried (``aws_lambda.jobs``)."""
    if is_storage_event(event):
        from aws_lambda.jobs import handle_storage_event  # the jobs core, on its first event

        return handle_storage_event(service, event, context)
    shape = find_shape(event)
    try:
        response = _answer(service, shape, event, context)
    except Exception as exc:  # the core never raises; this guards the adapter itself
        response = _fault(exc)
    try:
        return shape.from_response(response, event)
    except Exception as exc:
        _fault(exc)
        return direct.error_object(500)


def _answer(service: Service, shape: Shape, event: Any, context: Any) -> Response:
    try:
        request = shape.to_request(event, context)
    except errors.ServiceError as exc:  # a malformed body, e.g. "base64" that is not
        log_json(logging.WARNING, "bad_event", error=exc.code, status=exc.status,
                 requestId=common.request_id(context))
        return service.reject(_without_body(shape, event, context), exc)
    request = dataclasses.replace(request, invocation=invocation(context))
    return service.handle(with_deadline(request, context, shape.TIME_LIMIT_MS,
                                        service.settings))


def _without_body(shape: Shape, event: Any, context: Any) -> Request:
    """The event's request (its method, path and headers) without the body it could not
    decode: the refusal is answered in the route's shape and logged under its route."""
    bare = {**event, "body": None, "isBase64Encoded": False} if isinstance(event, dict) else {}
    try:
        request = shape.to_request(bare, context)
    except errors.ServiceError:
        request = Request("POST", "/", request_id=common.request_id(context) or new_request_id())
    return dataclasses.replace(request, invocation=invocation(context))


def _fault(exc: BaseException) -> Response:
    log_json(logging.ERROR, "adapter_fault", error="internal_error",
             exception="".join(traceback.format_exception(exc))[-4000:])
    return error_response(errors.InternalError("internal error"))
