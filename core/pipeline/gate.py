"""The model's queue: requests wait their turn for a runtime that runs one inference at a time,
but never past their deadline.

LiteRT's interpreter runs one invoke at a time (``core.inference.litert`` holds a lock around
it); waiting for that lock has no limit, so the pipeline queues requests here first, where the
wait ends at the request's deadline with a 504. A runtime whose classifier says ``serial =
False`` (ONNX Runtime's shared session) runs requests side by side and needs no queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from core import errors


class ModelGate:
    """At most one inference at a time when ``serial``; every wait ends at its deadline."""

    def __init__(self, serial: bool) -> None:
        self._lock = threading.Lock() if serial else None

    @contextmanager
    def turn(self, deadline: float) -> Iterator[None]:
        """Hold the model for the block, waiting for it until ``deadline`` (monotonic)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise errors.DeadlineExceeded("no time was left to run the model")
        if self._lock is None:
            yield
            return
        if not self._lock.acquire(timeout=min(left, threading.TIMEOUT_MAX)):
            raise errors.DeadlineExceeded("the time limit ran out waiting for the model")
        try:
            yield
        finally:
            self._lock.release()
