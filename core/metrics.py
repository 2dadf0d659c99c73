"""CloudWatch Embedded Metric Format (EMF): a request's metrics inside its own log line.

CloudWatch Logs turns the members below into metrics as it ingests the line: no API call, no
agent, no dependency. The document follows the EMF specification: ``_aws`` holds
``Timestamp`` (milliseconds since the epoch) and ``CloudWatchMetrics``, a list of directives
(``Namespace``, ``Dimensions``: lists of root member names, ``Metrics``: ``Name`` and ``Unit``);
each metric's value and each dimension's value is a member of the root object.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The specification's limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
# CloudWatch_Embedded_Metric_Format_Specification.html).
MAX_METRICS = 100  # MetricDefinitions per directive
MAX_DIMENSIONS = 30  # dimension keys per DimensionSet
MAX_VALUES = 100  # values in one metric's array
MAX_NAME = 1024  # characters of a metric name, namespace or dimension value
MAX_DIMENSION_NAME = 250
UNITS = frozenset((
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None"))

MS, BYTES, COUNT = "Milliseconds", "Bytes", "Count"
# metric name <- the request line's timing step (``total`` is the whole request)
TIMINGS = (("TotalTime", "total"), ("FetchTime", "fetch"), ("DecodeTime", "decode"),
           ("InferenceTime", "inference"))


@functools.lru_cache(maxsize=256)
def dimension_value(value: object) -> str:
    """A valid dimension value: ASCII, at least one non-blank character, at most 1024."""
    text = str(value).encode("ascii", "replace").decode("ascii")[:MAX_NAME]
    return text if text.strip() else "unknown"


def members(namespace: str, dimensions: Mapping[str, str], values: Mapping[str, tuple[float, str]],
            timestamp_ms: int, error_code: str | None = None, cold_start: bool = False
            ) -> dict[str, Any]:
    """The EMF members to merge into a log line's root object.

    ``values``: metric name -> (value, unit), in the directive for ``dimensions``; with
    ``error_code``, an ``Errors`` count with the code as one more dimension; with ``cold_start``,
    a ``ColdStart`` count under the first dimension alone (the service).
    """
    root: dict[str, Any] = {name: dimension_value(value) for name, value in dimensions.items()}
    keys = tuple(root)
    units = tuple((name, unit) for name, (_, unit) in values.items())
    root.update((name, value) for name, (value, _) in values.items())
    if error_code is not None:
        root["ErrorCode"], root["Errors"] = dimension_value(error_code), 1
    if cold_start:
        root["ColdStart"] = 1
    found = directives_json(namespace, keys, units, error_code is not None, cold_start)
    if found == "[]":
        return {}
    root["_aws"] = Aws(timestamp_ms, found)
    return root


@dataclass(frozen=True)
class Aws:
    """The ``_aws`` member, its directives already JSON (encoding them is most of the cost of
    the metrics, and they repeat line after line); ``member()`` is its JSON text."""

    timestamp_ms: int
    directives: str  # JSON text of the CloudWatchMetrics array

    def member(self) -> str:
        """``"_aws":{"Timestamp":...,"CloudWatchMetrics":[...]}``"""
        return f'"_aws":{{"Timestamp":{self.timestamp_ms},"CloudWatchMetrics":{self.directives}}}'


@functools.lru_cache(maxsize=64)
def directives_json(namespace: str, keys: tuple[str, ...], units: tuple[tuple[str, str], ...],
                    error: bool, cold_start: bool) -> str:
    """``directives(...)`` as compact JSON text."""
    return json.dumps(directives(namespace, keys, units, error, cold_start),
                      separators=(",", ":"))


@functools.lru_cache(maxsize=64)
def directives(namespace: str, keys: tuple[str, ...], units: tuple[tuple[str, str], ...],
               error: bool, cold_start: bool) -> tuple[dict[str, Any], ...]:
    """The line's MetricDirectives; a line's shape repeats, so they are made once per shape
    (shared: never modify the result)."""
    found: list[dict[str, Any]] = []
    if units:
        found.append(_directive(namespace, [*keys], list(units)))
    if error:
        found.append(_directive(namespace, [*keys, "ErrorCode"], [("Errors", COUNT)]))
    if cold_start:
        found.append(_directive(namespace, [*keys[:1]], [("ColdStart", COUNT)]))
    return tuple(found)


def _directive(namespace: str, keys: list[str], metrics: list[tuple[str, str]]
               ) -> dict[str, Any]:
    return {"Namespace": namespace, "Dimensions": [keys[:MAX_DIMENSIONS]],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics[:MAX_METRICS]]}


def request_values(fields: Mapping[str, Any]) -> dict[str, tuple[float, str]]:
    """The request line's metric values: total/fetch/decode/inference ms and image bytes."""
    timings = fields.get("timings") or {}
    values: dict[str, tuple[float, str]] = {}
    for name, step in TIMINGS:
        ms = fields.get("ms") if step == "total" else timings.get(step)
        if isinstance(ms, (int, float)):
            values[name] = (ms, MS)
    size = fields.get("image_bytes")
    if isinstance(size, int):
        values["ImageBytes"] = (size, BYTES)
    return values
