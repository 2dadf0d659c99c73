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
DIMENSIONS = ("service", "model", "route")  # the request line's own fields
ERROR_DIMENSION = "error"  # the request line's own error-code field
# metric name <- the request line's timing step, and every request metric's unit
STEPS = (("FetchTime", "fetch"), ("DecodeTime", "decode"), ("InferenceTime", "inference"))
UNIT_OF = {"TotalTime": MS, "FetchTime": MS, "DecodeTime": MS, "InferenceTime": MS,
           "ImageBytes": BYTES}


@functools.lru_cache(maxsize=256)
def dimension_value(value: object) -> str:
    """A valid dimension value: ASCII, at least one non-blank character, at most 1024."""
    text = str(value).encode("ascii", "replace").decode("ascii")[:MAX_NAME]
    return text if text.strip() else "unknown"


class Aws:
    """The ``_aws`` member, its directives already JSON (encoding them is most of the cost of
    the metrics, and they repeat line after line); ``member()`` is its JSON text."""

    __slots__ = ("directives", "timestamp_ms")

    def __init__(self, timestamp_ms: int, directives: str) -> None:
        self.timestamp_ms = timestamp_ms
        self.directives = directives  # JSON text of the CloudWatchMetrics array

    def member(self) -> str:
        """``"_aws":{"Timestamp":...,"CloudWatchMetrics":[...]}``"""
        return f'"_aws":{{"Timestamp":{self.timestamp_ms},"CloudWatchMetrics":{self.directives}}}'


def request_members(namespace: str, service: str, fields: Mapping[str, Any],
                    timestamp_ms: int) -> dict[str, Any]:
    """The EMF members to merge into a request line's root object.

    Dimensions service, model and route; metrics ``TotalTime`` (``ms``), ``FetchTime``,
    ``DecodeTime`` and ``InferenceTime`` (``timings``) and ``ImageBytes`` (``image_bytes``) when
    the line has them; with an ``error``, an ``Errors`` count with the code as one more
    dimension; with ``cold_start``, a ``ColdStart`` count under the service alone.
    """
    root: dict[str, Any] = {"service": dimension_value(service),
                            "model": dimension_value(fields.get("model") or "none"),
                            "route": dimension_value(fields.get("route") or "unmatched")}
    names: list[str] = []
    total = fields.get("ms")
    if isinstance(total, (int, float)):
        root["TotalTime"] = total
        names.append("TotalTime")
    timings = fields.get("timings") or {}
    for name, step in STEPS:
        value = timings.get(step)
        if isinstance(value, (int, float)):
            root[name] = value
            names.append(name)
    size = fields.get("image_bytes")
    if isinstance(size, int):
        root["ImageBytes"] = size
        names.append("ImageBytes")
    error = fields.get("error")
    if isinstance(error, str):
        root[ERROR_DIMENSION], root["Errors"] = dimension_value(error), 1
    cold = fields.get("cold_start") is True
    if cold:
        root["ColdStart"] = 1
    root["_aws"] = Aws(timestamp_ms, directives_json(namespace, tuple(names),
                                                     isinstance(error, str), cold))
    return root


@functools.lru_cache(maxsize=64)
def directives_json(namespace: str, names: tuple[str, ...], error: bool, cold_start: bool
                    ) -> str:
    """``directives(...)`` as compact JSON text (made once per shape of line)."""
    return json.dumps(directives(namespace, names, error, cold_start), separators=(",", ":"))


def directives(namespace: str, names: tuple[str, ...], error: bool, cold_start: bool
               ) -> list[dict[str, Any]]:
    """The MetricDirectives of a request line with metrics ``names``."""
    found: list[dict[str, Any]] = []
    if names:
        found.append(_directive(namespace, [*DIMENSIONS], [(n, UNIT_OF[n]) for n in names]))
    if error:
        found.append(_directive(namespace, [*DIMENSIONS, ERROR_DIMENSION], [("Errors", COUNT)]))
    if cold_start:
        found.append(_directive(namespace, [DIMENSIONS[0]], [("ColdStart", COUNT)]))
    return found


def _directive(namespace: str, keys: list[str], metrics: list[tuple[str, str]]
               ) -> dict[str, Any]:
    return {"Namespace": namespace, "Dimensions": [keys[:MAX_DIMENSIONS]],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics[:MAX_METRICS]]}
