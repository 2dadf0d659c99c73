"""Structured logs: one JSON object a line on stderr, never image bytes or query strings.

A request's line takes its platform's shape (core.logformat); other lines use ``log_json``.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from core.config import Settings
from core.http import Request
from core.logformat import SHAPES, emf, format_for

LOGGER = logging.getLogger("classifier")
_requests = itertools.count()  # requests logged by this process (next() is atomic)


def configure(level: str = "INFO") -> None:
    """Send the service's log lines to stderr once, as bare JSON lines."""
    if not any(getattr(h, "_classifier", False) for h in LOGGER.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._classifier = True  # type: ignore[attr-defined]
        LOGGER.addHandler(handler)
        LOGGER.propagate = False
    LOGGER.setLevel(level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO")


def log_json(level: int, event: str, **fields: Any) -> None:
    """Log one structured line: ``{"ts", "level", "event", ...fields}``."""
    if not LOGGER.isEnabledFor(level):
        return
    record = {"ts": round(time.time(), 3), "level": logging.getLevelName(level),
              "event": event, **fields}
    LOGGER.log(level, json.dumps(record, default=str, separators=(",", ":")))


def redact_url(url: str) -> str:
    """Scheme and host only: paths and query strings may carry signed-URL secrets."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{host}" if parts.scheme else "<no scheme>"


def cold_start() -> bool:
    """True for the first request this process logs, False for every later one."""
    return next(_requests) == 0


def log_request(level: int, fields: dict[str, Any], request: Request,
                settings: Settings) -> None:
    """The request's one line, in the shape of its platform (core.logformat).

    A line below LOG_LEVEL is dropped, but its EMF metrics are still written (the line then
    carries only them and the request id): a quieter log must not lose the metrics.
    """
    shape = format_for(settings, request)
    if not LOGGER.isEnabledFor(level):
        if shape != "lambda" or not settings.metrics:
            return
        record = {"requestId": request.invocation.invocation_id or request.request_id,
                  **emf(fields, settings, time.time())}
        level = LOGGER.getEffectiveLevel()
    else:
        record = SHAPES[shape](level, fields, request, settings)
    LOGGER.log(level, json.dumps(record, default=str, separators=(",", ":")))
