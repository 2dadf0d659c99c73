"""Helpers shared by the HTTP event shapes (headers, query strings, result bodies)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from typing import Any

from core.messages import Request, Response, lower_headers

# API Gateway (REST and HTTP APIs) ends an integration after 29 s, whatever Lambda's timeout.
API_GATEWAY_LIMIT_MS = 29_000


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a dict, else an empty one (AWS sends null for absent maps)."""
    return value if isinstance(value, dict) else {}


def joined(multi: Mapping[str, Any]) -> dict[str, str]:
    """Multi-value headers as one comma-joined string each (RFC 9110's combination)."""
    return {str(k): ", ".join(str(v) for v in values) if isinstance(values, list) else str(values)
            for k, values in multi.items()}


def last_values(multi: Mapping[str, Any]) -> dict[str, str]:
    """Multi-value query parameters, the last value of a repeated name winning (as parse_query)."""
    out: dict[str, str] = {}
    for name, values in multi.items():
        if isinstance(values, list):
            if values:
                out[str(name)] = str(values[-1])
        elif values is not None:
            out[str(name)] = str(values)
    return out


def result_body(response: Response) -> tuple[str, bool]:
    """The body as the proxy-result string, base64 only when the body is binary."""
    if response.is_binary:
        return base64.b64encode(response.body).decode("ascii"), True
    return response.body.decode("utf-8", "replace"), False


def proxy_result(response: Response) -> dict[str, Any]:
    """The proxy-integration result (REST payload 1.0, HTTP API 2.0, Function URLs)."""
    body, is_base64 = result_body(response)
    return {"statusCode": response.status, "headers": dict(response.headers),
            "body": body, "isBase64Encoded": is_base64}


def request_id(context: Any) -> str | None:
    """The Lambda request id, so X-Request-Id matches the function's own log lines."""
    value = getattr(context, "aws_request_id", None)
    return value if isinstance(value, str) and value else None


def strip_stage(path: str, stage: Any) -> str:
    """``path`` without a named stage's prefix (``/prod/predict`` -> ``/predict``)."""
    if not isinstance(stage, str) or not stage or stage == "$default":
        return path
    prefix = f"/{stage}"
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix):] or "/"
    return path


def decoded(path: Any) -> str:
    """A path as its front door sent it, percent-encoded (REST APIs, ALB, Function URLs),
    decoded once, as the core takes paths (an HTTP API decodes the path itself)."""
    from urllib.parse import unquote  # urllib.parse: off the cold path

    return unquote(str(path or "/"))


def build_request(method: Any, path: Any, headers: Mapping[str, str],
                  query: Mapping[str, str], body: bytes, context: Any) -> Request:
    """A core Request, carrying the Lambda request id when the context has one."""
    request = Request(str(method or "GET").upper(), str(path or "/"), lower_headers(headers),
                      dict(query), body)
    rid = request_id(context)
    return dataclasses.replace(request, request_id=rid) if rid else request
