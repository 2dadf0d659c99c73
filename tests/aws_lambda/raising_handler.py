"""A handler that raises, to show what Lambda's /error endpoint receives when one does."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> Any:
    raise ValueError("an unhandled exception")
