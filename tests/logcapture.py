"""The classifier logger's lines, captured as its own stderr handler writes them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.telemetry.request_log import LOGGER


class Lines(logging.Handler):
    """Every line (and its level) that reaches the handler."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.levels: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.levels.append(record.levelno)

    def records(self) -> list[dict[str, Any]]:
        """The lines parsed as JSON objects."""
        parsed = [json.loads(line) for line in self.lines]
        assert all(isinstance(p, dict) for p in parsed)
        return parsed


@contextmanager
def captured(logger: logging.Logger = LOGGER) -> Iterator[Lines]:
    """A ``Lines`` handler on ``logger`` for the duration of the block."""
    handler = Lines()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
