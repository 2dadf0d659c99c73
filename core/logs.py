"""Structured logs: one JSON object a line on stderr, never image bytes or query strings."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any
from urllib.parse import urlsplit

LOGGER = logging.getLogger("classifier")


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
