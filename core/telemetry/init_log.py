"""The cold start's one init line: where an environment's first answer spent its time.

Written once per process, after its first answer, as ``event: cold_start``: the entry module's
imports (``imports_ms``), the model's download from storage (``download_ms`` and the other
``download_*`` fields, only with MODEL_URI), its load (``load_ms``: ``create_ms`` for the
runtime reading the file and building its interpreter or session), ``source`` (``package`` or
``storage``), the first request (``first_request_ms``, of it ``first_inference_ms``), and the
model's sha256, which starts after that answer: ``hash_pending`` (its ``model_hash`` line
follows), or ``hash_ms`` when it had already ended. In Lambda's log shape the
line also carries the phases as CloudWatch EMF metrics (namespace METRICS_NAMESPACE,
dimension ``service``) unless METRICS is off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from core.config import Settings
from core.messages import Request
from core.telemetry.log_formats import format_for
from core.telemetry.request_log import log_json

# the line's field -> its EMF metric name (all in milliseconds)
METRICS = {"imports_ms": "InitImports", "download_ms": "InitDownload",
           "load_ms": "InitModelLoad", "create_ms": "InitCreate", "hash_ms": "InitHash",
           "init_ms": "InitTotal", "first_request_ms": "FirstRequest",
           "first_inference_ms": "FirstInference"}


def log_init(init: Mapping[str, object], first: Mapping[str, object], settings: Settings,
             request: Request) -> None:
    """The ``cold_start`` line: the init's parts and the first request's, with EMF on Lambda."""
    fields: dict[str, object] = {**init, **first}
    if format_for(settings, request) == "lambda" and settings.emf:
        values = {name: fields[key] for key, name in METRICS.items()
                  if isinstance(fields.get(key), (int, float))}
        directive = {"Namespace": settings.metrics_namespace, "Dimensions": [["service"]],
                     "Metrics": [{"Name": name, "Unit": "Milliseconds"} for name in values]}
        fields.update(values, service=settings.service_name,
                      _aws={"Timestamp": int(time.time() * 1000),
                            "CloudWatchMetrics": [directive]})
    log_json(logging.INFO, "cold_start", **fields)
