"""Per-request step timings (the ``Server-Timing`` header) and the facts for the log line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timings:
    """Seconds spent per step of one request, and facts for the request's log line."""

    parts: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    url: str | None = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Add the time spent inside the block to ``name``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - started

    def as_ms(self) -> dict[str, float]:
        """Milliseconds per step, rounded."""
        return {k: round(v * 1000, 2) for k, v in self.parts.items()}

    def header(self) -> str:
        """The Server-Timing header value."""
        return ", ".join(f"{k};dur={v}" for k, v in self.as_ms().items())
