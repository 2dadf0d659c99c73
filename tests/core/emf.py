"""A validator for CloudWatch Embedded Metric Format documents, written from the specification
(docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_
Specification.html), independently of core.telemetry.metrics so that it can catch core's mistakes.

``problems(doc)`` lists every way ``doc`` breaks the specification (empty: valid).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

MAX_EVENT_BYTES = 256 * 1024  # the older, smaller CloudWatch Logs event limit (now 1 MB)
MAX_DIRECTIVE_METRICS = 100
MAX_DIMENSION_KEYS = 30
MAX_VALUES = 100
MAX_TEXT = 1024
MAX_DIMENSION_NAME = 250
UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
         "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
         "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
         "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
         "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}
TWO_WEEKS_MS = 14 * 24 * 3600 * 1000
TWO_HOURS_MS = 2 * 3600 * 1000


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _text(value: Any, limit: int = MAX_TEXT) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and not value.isspace()


def problems(doc: Any, now_ms: int | None = None) -> list[str]:
    """Every violation of the specification in one log event's parsed JSON."""
    if not isinstance(doc, dict):
        return ["the log event is not a JSON object"]
    out: list[str] = []
    if len(json.dumps(doc).encode()) > MAX_EVENT_BYTES:
        out.append("the event is larger than a CloudWatch Logs event may be")
    meta = doc.get("_aws")
    if not isinstance(meta, dict):
        return [*out, "_aws is missing or not an object"]
    out += _timestamp(meta.get("Timestamp"), now_ms)
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return [*out, "_aws.CloudWatchMetrics is not an array"]
    for index, directive in enumerate(directives):
        out += [f"directive {index}: {p}" for p in _directive(directive, doc)]
    return out


def _timestamp(value: Any, now_ms: int | None) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        return ["_aws.Timestamp is not an integer number of milliseconds"]
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if not now - TWO_WEEKS_MS <= value <= now + TWO_HOURS_MS:
        return [f"_aws.Timestamp {value} is not milliseconds since the epoch near now ({now})"]
    return []


def _directive(directive: Any, root: dict[str, Any]) -> list[str]:
    if not isinstance(directive, dict):
        return ["not an object"]
    out = [f"unknown member {k!r}" for k in directive
           if k not in ("Namespace", "Dimensions", "Metrics")]
    if not _text(directive.get("Namespace")):
        out.append("Namespace is not a non-blank string of at most 1024 characters")
    out += _dimensions(directive.get("Dimensions"), root)
    out += _metrics(directive.get("Metrics"), root)
    return out


def _dimensions(sets: Any, root: dict[str, Any]) -> list[str]:
    if not isinstance(sets, list):
        return ["Dimensions is not an array of dimension sets"]
    out: list[str] = []
    for keys in sets:
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            out.append(f"dimension set {keys!r} is not an array of strings")
            continue
        if len(keys) > MAX_DIMENSION_KEYS:
            out.append(f"a dimension set has {len(keys)} keys (at most {MAX_DIMENSION_KEYS})")
        if len(set(keys)) != len(keys):
            out.append(f"dimension set {keys} repeats a key")
        for key in keys:
            if not _text(key, MAX_DIMENSION_NAME):
                out.append(f"dimension name {key!r} is empty or too long")
            if key not in root:
                out.append(f"dimension {key!r} is not a member of the root")
            elif not _text(root[key]) or not root[key].isascii():
                out.append(f"dimension {key!r} value {root[key]!r} is not a valid string")
    return out


def _metrics(metrics: Any, root: dict[str, Any]) -> list[str]:
    if not isinstance(metrics, list):
        return ["Metrics is not an array"]
    out: list[str] = []
    if len(metrics) > MAX_DIRECTIVE_METRICS:
        out.append(f"{len(metrics)} metrics in one directive (at most {MAX_DIRECTIVE_METRICS})")
    names = [m.get("Name") for m in metrics if isinstance(m, dict)]
    if len(set(map(str, names))) != len(names):
        out.append("a metric name is repeated in one directive")
    for metric in metrics:
        out += _metric(metric, root)
    return out


def _metric(metric: Any, root: dict[str, Any]) -> list[str]:
    if not isinstance(metric, dict):
        return ["a metric definition is not an object"]
    out = [f"metric has unknown member {k!r}" for k in metric
           if k not in ("Name", "Unit", "StorageResolution")]
    name = metric.get("Name")
    if not _text(name):
        return [*out, f"metric name {name!r} is not a non-blank string"]
    if "Unit" in metric and metric["Unit"] not in UNITS:
        out.append(f"metric {name}: unit {metric['Unit']!r} is not a CloudWatch unit")
    if "StorageResolution" in metric and metric["StorageResolution"] not in (1, 60):
        out.append(f"metric {name}: StorageResolution must be 1 or 60")
    value = root.get(str(name))
    if isinstance(value, list):
        if not value or len(value) > MAX_VALUES or not all(_number(v) for v in value):
            out.append(f"metric {name}: the array is not 1 to {MAX_VALUES} numbers")
    elif not _number(value):
        out.append(f"metric {name}: the root value {value!r} is not a number")
    return out
