"""Trace headers: W3C ``traceparent``, Google's ``X-Cloud-Trace-Context``, AWS X-Ray's
``_X_AMZN_TRACE_ID``. A malformed header is ignored (``None``), never an error: tracing must
not turn a good request into a bad one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

# The patterns are compiled on first use (``re`` caches them): a request without trace
# headers, and a cold start, never pays for compiling them.
# version "-" trace-id "-" parent-id "-" flags; a later version may append "-" fields.
_TRACEPARENT = r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?"
# TRACE_ID/SPAN_ID;o=OPTIONS, the span id in decimal (an unsigned 64-bit number).
_CLOUD_TRACE = r"([0-9a-fA-F]{32})(?:/([0-9]{1,20}))?(?:;o=([0-9]+))?"
# Root=1-{8 hex: epoch seconds}-{24 hex}
_XRAY_ROOT = r"1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}"
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
_MAX_HEADER = 512  # no real trace header is longer; a longer one is not parsed at all


class Trace(NamedTuple):
    """The trace a request belongs to: W3C ids in lower-case hex."""

    trace_id: str  # 32 hex digits
    span_id: str | None = None  # 16 hex digits: the caller's span, our parent
    sampled: bool | None = None


def from_traceparent(value: str | None) -> Trace | None:
    """The W3C Trace Context ``traceparent`` header (version 00 and later); None if malformed."""
    if not value or len(value) > _MAX_HEADER:
        return None
    match = re.fullmatch(_TRACEPARENT, value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return None
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return Trace(trace_id, span_id, bool(int(flags, 16) & 1))


def from_cloud_trace(value: str | None) -> Trace | None:
    """Google's ``X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1``; the span id becomes hex."""
    if not value or len(value) > _MAX_HEADER:
        return None
    match = re.fullmatch(_CLOUD_TRACE, value.strip())
    if match is None:
        return None
    trace_id, span, options = match.groups()
    trace_id = trace_id.lower()
    if trace_id == _ZERO_TRACE:
        return None
    number = int(span or 0)
    if number >= 2**64:
        return None
    span_id = f"{number:016x}" if number else None
    sampled = None if options is None else bool(int(options) & 1)
    return Trace(trace_id, span_id, sampled)


def xray_root(value: str | None) -> str | None:
    """The ``Root=1-...`` trace id of an X-Ray header (``_X_AMZN_TRACE_ID``); None if absent."""
    if not value or len(value) > _MAX_HEADER:
        return None
    for part in value.split(";"):
        key, _, item = part.strip().partition("=")
        if key == "Root" and re.fullmatch(_XRAY_ROOT, item):
            return item.lower()
    return None


def from_headers(headers: Mapping[str, str], traceparent: str | None = None) -> Trace | None:
    """The request's trace: the platform's own ``traceparent`` (Azure's context) first, then
    the ``traceparent`` header, then ``X-Cloud-Trace-Context`` (lower-case header names)."""
    return (from_traceparent(traceparent) or from_traceparent(headers.get("traceparent"))
            or from_cloud_trace(headers.get("x-cloud-trace-context")))
