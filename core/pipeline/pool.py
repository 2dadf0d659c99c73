"""The URL fetch pool, created on its first task.

Image uploads never use it, so ``concurrent.futures`` (and its threads) stay off their cold
start; a batch of URLs creates it once, and every later batch shares it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor


class LazyPool:
    """A ``ThreadPoolExecutor(max_workers, thread_name_prefix)`` made when first submitted to."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``function(*args)`` on the pool, creating the pool first if needed."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    from concurrent.futures import ThreadPoolExecutor

                    self._pool = ThreadPoolExecutor(self._max_workers, self._prefix)
        return self._pool.submit(function, *args)
