"""The request log line in each platform's own shape.

The core computes one set of neutral fields per request (``Service._log``); each shape adds
the names its platform's log tooling reads, so nothing needs configuring there:

- ``json`` (served locally): ``ts``, ``level``, ``event`` and the fields;
- ``lambda``: Lambda's JSON log format (``timestamp``, ``level``, ``message``, ``requestId``),
  ``xray_trace_id`` from ``_X_AMZN_TRACE_ID``, and CloudWatch EMF metrics (core.telemetry.metrics);
- ``gcp``: Cloud Logging's structured fields (``severity``, ``message``, ``httpRequest``,
  ``logging.googleapis.com/trace`` and ``/spanId``);
- ``azure``: ``InvocationId`` and Application Insights' ``operation_Id`` (the W3C trace id)
  and ``operation_ParentId``.

Every shape also carries ``trace_id`` (and ``span_id``) when the request had a trace header.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from core.config import Settings
from core.messages import Request
from core.telemetry import metrics
from core.telemetry import tracing as trace

Line = dict[str, Any]
Shape = Callable[[int, Line, Request, Settings], Line]
PLATFORM_FORMATS = {"aws_lambda": "lambda", "gcp": "gcp", "azure": "azure"}


def format_for(settings: Settings, request: Request) -> str:
    """LOG_FORMAT, or with ``auto`` the shape of the platform whose adapter built the request."""
    if settings.log_format != "auto":
        return settings.log_format
    return PLATFORM_FORMATS.get(request.invocation.platform, "json")


def platform_id(request: Request) -> str | None:
    """The platform's id for the invocation, cut at 64 characters: GCP's execution id is a
    header a caller may send itself."""
    value = request.invocation.invocation_id
    return value[:64] if value else None


def message(fields: Line) -> str:
    """A one-line summary (``POST /predict 200 12.3 ms``), what consoles show first."""
    text = f"{fields.get('method')} {fields.get('path')} {fields.get('status')} " \
           f"{fields.get('ms')} ms"
    error = fields.get("error")
    return f"{text} {error}" if error else text


def _trace_fields(request: Request) -> tuple[Line, trace.Trace | None]:
    found = trace.from_headers(request.headers, request.invocation.traceparent)
    if found is None:
        return {}, None
    extra: Line = {"trace_id": found.trace_id}
    if found.span_id:
        extra["span_id"] = found.span_id
    return extra, found


def as_json(level: int, fields: Line, request: Request, settings: Settings) -> Line:
    """The local server's line: ``ts``, ``level``, ``event`` and the fields."""
    traced, _ = _trace_fields(request)
    return {"ts": round(time.time(), 3), "level": logging.getLevelName(level),
            "event": "request", **fields, **traced}


def as_lambda(level: int, fields: Line, request: Request, settings: Settings) -> Line:
    """Lambda's JSON log format, the X-Ray trace id, and EMF metrics unless METRICS=off."""
    now = time.time()
    traced, _ = _trace_fields(request)
    line: Line = {"timestamp": _iso(now), "level": logging.getLevelName(level),
                  "message": message(fields),
                  "requestId": platform_id(request) or request.request_id,
                  "event": "request", **fields, **traced}
    xray = trace.xray_root(request.invocation.xray_trace)
    if xray:
        line["xray_trace_id"] = xray
    if request.invocation.function_name:
        line["function_name"] = request.invocation.function_name
    if settings.emf:
        line.update(emf(fields, settings, now))
    return line


def emf(fields: Line, settings: Settings, now: float) -> Line:
    """The line's EMF members (core.telemetry.metrics): dimensions are the line's own ``service``,
    ``model`` and ``route`` fields (and ``error``), so no value is written twice."""
    return metrics.request_members(settings.metrics_namespace, settings.service_name, fields,
                                   int(now * 1000))


def as_gcp(level: int, fields: Line, request: Request, settings: Settings) -> Line:
    """Cloud Logging's structured-log fields; the trace as ``projects/P/traces/T``."""
    traced, found = _trace_fields(request)
    line: Line = {"severity": logging.getLevelName(level), "message": message(fields),
                  "httpRequest": _http_request(fields, request),
                  "event": "request", **fields, **traced}
    if request.invocation.invocation_id:
        line["execution_id"] = platform_id(request)
    if found is not None:
        if settings.gcp_project:
            line["logging.googleapis.com/trace"] = \
                f"projects/{settings.gcp_project}/traces/{found.trace_id}"
        if found.span_id:
            line["logging.googleapis.com/spanId"] = found.span_id
        if found.sampled is not None:
            line["logging.googleapis.com/trace_sampled"] = found.sampled
    return line


def _http_request(fields: Line, request: Request) -> Line:
    """Cloud Logging's HttpRequest: the path only (never a query string)."""
    return {"requestMethod": request.method, "requestUrl": str(fields.get("path")),
            "status": fields.get("status"), "requestSize": str(len(request.body)),
            "latency": f"{float(fields.get('ms') or 0) / 1000:.6f}s"}


def as_azure(level: int, fields: Line, request: Request, settings: Settings) -> Line:
    """The local shape plus the invocation id and Application Insights' operation ids."""
    line = as_json(level, fields, request, settings)
    line["message"] = message(fields)
    if request.invocation.invocation_id:
        line["InvocationId"] = platform_id(request)
    if "trace_id" in line:
        line["operation_Id"] = line["trace_id"]
        if "span_id" in line:
            line["operation_ParentId"] = line["span_id"]
    return line


def _iso(seconds: float) -> str:
    """``2026-12-01T14:22:06.123Z``, as Lambda's own JSON log lines write it."""
    return f"{_iso_second(int(seconds))}.{int(seconds * 1000) % 1000:03d}Z"


@functools.lru_cache(maxsize=4)
def _iso_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


SHAPES: dict[str, Shape] = {"json": as_json, "lambda": as_lambda, "gcp": as_gcp,
                            "azure": as_azure}
