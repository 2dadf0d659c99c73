"""API Gateway HTTP API payload format 2.0, and Lambda Function URLs (the same shape).

``rawPath`` carries the stage on a named stage (``/prod/predict``) but not on ``$default``;
the stage is stripped, so ``/prod/`` reaches the demo page and ``/prod/predict`` the API.
Repeated headers arrive comma-joined already, and cookies arrive apart, in ``cookies``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda.events import common
from core.messages import Request, Response, decode_body, parse_query

# API Gateway's 29 s; a Function URL has no such limit, but one cap for both keeps it simple.
TIME_LIMIT_MS: int | None = common.API_GATEWAY_LIMIT_MS


def matches(event: Any) -> bool:
    """``version`` "2.0" with ``requestContext.http``."""
    return (isinstance(event, dict) and event.get("version") == "2.0"
            and "http" in common.mapping(event.get("requestContext")))


def to_request(event: Any, context: Any) -> Request:
    """The 2.0 event as a core Request."""
    http = common.mapping(common.mapping(event.get("requestContext")).get("http"))
    headers = common.joined(common.mapping(event.get("headers")))
    cookies = event.get("cookies")
    if isinstance(cookies, list) and cookies:
        headers["cookie"] = "; ".join(str(c) for c in cookies)
    query = parse_query(str(event.get("rawQueryString") or ""))
    body = decode_body(event.get("body"), event.get("isBase64Encoded") or False)
    context_stage = common.mapping(event.get("requestContext")).get("stage")
    path = str(event.get("rawPath") or http.get("path") or "/")
    if is_function_url(event):  # an HTTP API decodes the path; a Function URL does not
        path = common.decoded(path)
    path = common.strip_stage(path, context_stage)
    return common.build_request(http.get("method"), path, headers, query, body, context)


def is_function_url(event: Any) -> bool:
    """A Lambda Function URL's event (its domain is ``<id>.lambda-url.<region>.on.aws``)."""
    domain = str(common.mapping(event.get("requestContext")).get("domainName") or "")
    return ".lambda-url." in domain


def from_response(response: Response, event: Any) -> Any:
    """The 2.0 result: statusCode, headers, body (base64 only when binary)."""
    return common.proxy_result(response)
