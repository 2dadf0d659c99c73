"""Application Load Balancer target events, with or without multi-value headers.

When the target group has multi-value headers on, the event carries ``multiValueHeaders`` and
``multiValueQueryStringParameters`` and the response must use ``multiValueHeaders`` too.
The ALB passes query strings as sent, still percent-encoded, so they are decoded here.
"""

from __future__ import annotations

from typing import Any

from aws_lambda.events import common
from core.messages import Request, Response, decode_body

TIME_LIMIT_MS: int | None = common.API_GATEWAY_LIMIT_MS  # the same cap as every HTTP shape


def matches(event: Any) -> bool:
    """A ``requestContext.elb`` marks an ALB event."""
    return isinstance(event, dict) and "elb" in common.mapping(event.get("requestContext"))


def _multi(event: Any) -> bool:
    return "multiValueHeaders" in event


def to_request(event: Any, context: Any) -> Request:
    """The ALB event as a core Request."""
    if _multi(event):
        headers = common.joined(common.mapping(event.get("multiValueHeaders")))
        raw = common.last_values(common.mapping(event.get("multiValueQueryStringParameters")))
    else:
        headers = common.joined(common.mapping(event.get("headers")))
        raw = common.last_values(common.mapping(event.get("queryStringParameters")))
    from urllib.parse import unquote_plus  # urllib.parse: off the cold path

    query = {unquote_plus(k): unquote_plus(v) for k, v in raw.items()}
    body = decode_body(event.get("body"), event.get("isBase64Encoded") or False)
    path = common.decoded(event.get("path"))
    return common.build_request(event.get("httpMethod"), path, headers, query, body, context)


def from_response(response: Response, event: Any) -> Any:
    """The ALB result, with a status description, and multi-value headers when asked."""
    result = common.proxy_result(response)
    try:
        from http import HTTPStatus  # here: only ALB answers carry the phrase (0.6 ms import)

        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    result["statusDescription"] = f"{response.status} {phrase}".strip()
    if _multi(event):
        result["multiValueHeaders"] = {k: [v] for k, v in result.pop("headers").items()}
    return result
