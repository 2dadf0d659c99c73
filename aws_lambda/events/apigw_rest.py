"""API Gateway REST API proxy integration (payload format 1.0, also HTTP API's 1.0 option).

``path`` is the resource path (``/predict``) on the execute-api domain and carries the base
path on a custom domain (``/api/predict``); the core's routing tolerates such prefixes.
``multiValueHeaders`` and ``multiValueQueryStringParameters`` win over their single-value twins.
"""

from __future__ import annotations

from typing import Any

from aws_lambda.events import common
from core.messages import Request, Response, decode_body

TIME_LIMIT_MS: int | None = common.API_GATEWAY_LIMIT_MS


def matches(event: Any) -> bool:
    """A dict with ``httpMethod`` and a ``requestContext`` (ALB events are matched earlier)."""
    return isinstance(event, dict) and "httpMethod" in event and "requestContext" in event


def to_request(event: Any, context: Any) -> Request:
    """The proxy event as a core Request."""
    multi_headers = common.mapping(event.get("multiValueHeaders"))
    headers = (common.joined(multi_headers) if multi_headers
               else common.joined(common.mapping(event.get("headers"))))
    multi_query = common.mapping(event.get("multiValueQueryStringParameters"))
    query = common.last_values(multi_query or common.mapping(event.get("queryStringParameters")))
    body = decode_body(event.get("body"), event.get("isBase64Encoded") or False)
    path = str(event.get("path") or "/")
    if event.get("version") != "1.0":  # a REST API sends the path encoded, an HTTP API decoded
        path = common.decoded(path)
    return common.build_request(event.get("httpMethod"), path, headers, query, body, context)


def from_response(response: Response, event: Any) -> Any:
    """The proxy result: statusCode, headers, body (base64 only when binary)."""
    return common.proxy_result(response)
