"""Direct invocation (``aws lambda invoke``, the SDK, a REST API non-proxy integration).

The event is the JSON body itself: ``{"url": ...}``, ``{"image": ...}`` or ``{"urls": [...]}``.
The result is the JSON answer itself (the lesson's contract ``{"dress": 0.1, ...}``); an error
is ``{"error": {"code", "message", "status"}}`` with the status inside, as there is no HTTP
status to carry it.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda.events.common import build_request
from core import errors
from core.messages import Request, Response

TIME_LIMIT_MS: int | None = None  # only Lambda's own timeout applies


def matches(event: Any) -> bool:
    """Anything no HTTP shape claimed is a direct invocation."""
    return True


def to_request(event: Any, context: Any) -> Request:
    """``POST /predict`` with the event as its JSON body (the core validates it)."""
    try:
        body = json.dumps(event, separators=(",", ":")).encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:  # nesting too deep, NaN keys, ...
        raise errors.InvalidJSON("the event cannot be read as a JSON request") from exc
    return build_request("POST", "/predict", {"content-type": "application/json"}, {}, body,
                         context)


def from_response(response: Response, event: Any) -> Any:
    """The JSON answer, or the error object with its status inside."""
    try:
        body = response.json() if response.body else None
    except ValueError:
        body = None
    if response.status < 400 and body is not None:
        return body
    return error_object(response.status, body)


def error_object(status: int, body: Any = None) -> dict[str, Any]:
    """``{"error": {"code", "message", "status"}}`` from an error response's JSON body."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"code": "internal_error", "message": "internal error"}
    return {"error": {**error, "status": status}}
