"""A batch's items loaded by whichever thread claims them first: pool workers or the caller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from core.pipeline.timings import Timings

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")

FETCH_SHARE = 4  # pool workers one batch may hold (of 8), besides the request's own thread


class Batch(Generic[T]):
    """Items loaded by whichever thread claims them first: pool workers or the waiting caller."""

    def __init__(self, items: tuple[str, ...], load: Callable[[str], T]) -> None:
        self._items = items
        self._load = load
        self._claimed = [False] * len(items)
        self._next = 0
        self._lock = threading.Lock()
        # Imported here: concurrent.futures stays off the cold path of single-image requests.
        from concurrent.futures import Future

        self._futures: list[Future[T]] = [Future() for _ in items]

    def _claim(self, index: int | None = None) -> int | None:
        with self._lock:
            if index is None:
                while self._next < len(self._items) and self._claimed[self._next]:
                    self._next += 1
                index = self._next
            if index >= len(self._items) or self._claimed[index]:
                return None
            self._claimed[index] = True
            return index

    def _run(self, index: int) -> None:
        future = self._futures[index]
        try:
            future.set_result(self._load(self._items[index]))
        except BaseException as exc:
            future.set_exception(exc)

    def work(self) -> None:
        """Load unclaimed items until none is left (a pool worker's task)."""
        while (index := self._claim()) is not None:
            self._run(index)

    def result(self, index: int) -> T:
        """Item ``index``'s result: loaded here when no worker has claimed it yet."""
        if self._claim(index) is not None:
            self._run(index)
        return self._futures[index].result()


def timed(timings: Timings, name: str, action: Callable[[], T]) -> T:
    with timings.step(name):
        return action()
