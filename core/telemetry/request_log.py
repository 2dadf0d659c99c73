"""Structured logs: one JSON object a line on stderr, never image bytes or query strings.

A request's line takes its platform's shape (``core.telemetry.log_formats``); other lines use
``log_json``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import json.encoder
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from core.config import Settings
from core.messages import Request
from core.telemetry.log_formats import PLATFORM_FORMATS, SHAPES, emf, format_for, platform_id
from core.telemetry.metrics import Aws

LOGGER = logging.getLogger("classifier")
_encoder = json.JSONEncoder(separators=(",", ":"), default=str)


def _c_encoder() -> Callable[[Any, int], Sequence[str]] | None:
    """The C encoder made once: JSONEncoder.encode makes one for every call, which costs a
    third of a short line. markers=None: our lines are never circular. None if unavailable."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    try:
        made: Callable[[Any, int], Sequence[str]] = make(
            None, str, json.encoder.encode_basestring_ascii, None, ":", ",", False, False, True)
    except TypeError:  # pragma: no cover - not CPython's signature
        return None
    return made


_iterencode = _c_encoder()


def _encode(record: dict[str, Any]) -> str:
    """Compact JSON of one log line (ASCII, non-JSON values as ``str``); an EMF ``_aws``
    member (``core.telemetry.metrics.Aws``) is taken out of ``record`` and spliced in as the text
    it is."""
    aws = record.get("_aws")
    if not isinstance(aws, Aws):
        return _plain(record)
    del record["_aws"]
    text = _plain(record)
    return f"{text[:-1]},{aws.member()}}}" if len(text) > 2 else f"{{{aws.member()}}}"


def _plain(record: dict[str, Any]) -> str:
    if _iterencode is None:  # pragma: no cover - CPython always has the C encoder
        return _encoder.encode(record)
    return "".join(_iterencode(record, 0))


_NO_LOCK = contextlib.nullcontext()
_requests = itertools.count()  # requests logged by this process (next() is atomic)


# Whether ``log_json`` lines carry Cloud Logging's ``severity`` beside ``level``: with
# LOG_FORMAT=gcp, or with ``auto`` in a process the GCP adapter runs (``on_platform``).
# Request lines take their platform's shape per request (core.telemetry.log_formats).
_line_format = {"setting": "auto", "platform": "json"}


def on_platform(platform: str) -> None:
    """Declare the platform this process serves (an adapter calls it at import), so the lines
    that are not a request's take its logging's level field too."""
    _line_format["platform"] = PLATFORM_FORMATS.get(platform, "json")


def _severity() -> bool:
    chosen = _line_format["setting"]
    return (_line_format["platform"] if chosen == "auto" else chosen) == "gcp"


def configure(level: str = "INFO", log_format: str = "auto") -> None:
    """Send the service's log lines to stderr once, as bare JSON lines."""
    _line_format["setting"] = log_format
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
    name = logging.getLevelName(level)
    record = {"ts": round(time.time(), 3), "level": name, "event": event, **fields}
    if _severity():  # Cloud Logging ranks a line by "severity" only
        record["severity"] = name
    _emit(level, _encode(record))


def redact_url(url: str) -> str:
    """Scheme and host only: paths and query strings may carry signed-URL secrets."""
    from urllib.parse import urlsplit  # urllib.parse: off the cold path

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
    """The request's one line, in the shape of its platform (core.telemetry.log_formats).

    A line below LOG_LEVEL is dropped, but its EMF metrics are still written (the line then
    carries only them and the request id): a quieter log must not lose the metrics.
    """
    shape = format_for(settings, request)
    if not LOGGER.isEnabledFor(level):
        if shape != "lambda" or not settings.emf:
            return
        record = {"requestId": platform_id(request) or request.request_id,
                  **emf(fields, settings, time.time())}
        level = LOGGER.getEffectiveLevel()
    else:
        record = SHAPES[shape](level, fields, request, settings)
    _emit(level, _encode(record), via_root=shape == "azure" and bool(logging.getLogger().handlers))


def _emit(level: int, text: str, via_root: bool = False) -> None:
    """``LOGGER.log(level, text)`` without the logging module's per-record work for our own
    stderr handler (the text is the whole line already): a request line costs a few µs less
    than a LogRecord, a caller lookup and a formatter. Other handlers get a normal record.

    ``via_root``: the line goes to the root logger's handlers instead of our stderr. On Azure
    the Python worker's handler sits there and sends each record to the host with its level and
    the invocation's ids (Application Insights then sets operation_Id itself); the host would
    record stderr as console output, uncorrelated, and as an error whenever a line contains
    "error".
    """
    if LOGGER.disabled:
        return
    record: logging.LogRecord | None = None
    for handler in LOGGER.handlers:
        if level < handler.level:
            continue
        if getattr(handler, "_classifier", False) and isinstance(handler, logging.StreamHandler):
            if via_root:
                continue
            with handler.lock or _NO_LOCK, contextlib.suppress(OSError, ValueError):
                handler.stream.write(text + "\n")  # a closed stderr must not fail a request
                handler.flush()
            continue
        if record is None:
            record = LOGGER.makeRecord(LOGGER.name, level, __file__, 0, text, (), None)
        handler.handle(record)
    if via_root:  # LOG_LEVEL has filtered; the worker's handler and host.json filter further
        logging.getLogger().handle(
            record or LOGGER.makeRecord(LOGGER.name, level, __file__, 0, text, (), None))
