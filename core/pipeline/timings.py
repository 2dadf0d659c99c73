"""Per-request step timings (the ``Server-Timing`` header) and the facts for the log line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Timings:
    """Seconds spent per step of one request, and facts for the request's log line.

    A plain class: a dataclass would be generated (and its methods compiled) at import."""

    __slots__ = ("info", "parts", "url")

    def __init__(self, parts: dict[str, float] | None = None,
                 info: dict[str, Any] | None = None, url: str | None = None) -> None:
        self.parts: dict[str, float] = {} if parts is None else parts
        self.info: dict[str, Any] = {} if info is None else info
        self.url = url

    def __repr__(self) -> str:
        return f"Timings(parts={self.parts!r}, info={self.info!r}, url={self.url!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timings):
            return NotImplemented
        return (self.parts, self.info, self.url) == (other.parts, other.info, other.url)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

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
