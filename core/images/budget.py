"""The process-wide memory budget of image decodes in flight (``DecodeBudget``).

Each decode reserves its estimated peak (``core.images.limits.decode_cost``) first and waits, in
arrival order, until it fits; the budget also counts its waits and refusals for the operators
(``GET /metrics`` with METRICS=prometheus).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from core import errors


class DecodeBudget:
    """Bytes of decodes in flight across the process, in two lanes so that small images are
    never queued behind large ones.

    A decode costing at most an eighth of the budget is small: small decodes are served in
    order among themselves whenever they fit. Large ones are served in order among themselves
    and together never take more than the budget less that eighth, so a flood of large
    reservations (decompression bombs just under the limit) always leaves room for ordinary
    photos; a single decode that could only run by taking that room is refused at once (413).
    At most ``LARGE_WAITING`` large decodes wait at a time; another is refused at once (429),
    so waiting bombs cannot hold every server thread while good requests queue for one.
    """

    SMALL_SHARE = 8  # a small decode costs at most total // SMALL_SHARE; larges leave that free
    LARGE_WAITING = 2

    def __init__(self, total: int) -> None:
        self.total = total
        self.reserved = total // self.SMALL_SHARE
        self.used = 0
        self.used_large = 0
        self.peak = 0
        # since the process started: decodes that had to wait, their seconds waiting, and
        # refusals by reason (too_large 413, busy 429, deadline 504); read by GET /metrics
        self.waits = 0
        self.wait_seconds = 0.0
        self.refusals = {"too_large": 0, "busy": 0, "deadline": 0}
        self._cv = threading.Condition()
        self._queues: dict[bool, deque[object]] = {True: deque(), False: deque()}

    def _fits(self, cost: int, small: bool) -> bool:
        if self.used + cost > self.total:
            return False
        return small or self.used_large + cost <= self.total - self.reserved

    @contextmanager
    def reserve(self, cost: int, deadline: float | None = None) -> Iterator[None]:
        """Hold ``cost`` bytes for the block, waiting (until ``deadline``) for them to free."""
        small = cost <= self.reserved
        if not small and cost > self.total - self.reserved:
            self._refuse("too_large", errors.ImageTooLarge(
                f"decoding this image needs about {cost >> 20} MB; the limit is "
                f"{(self.total - self.reserved) >> 20} MB"))
        queue, ticket = self._queues[small], object()
        with self._cv:
            if not small and len(queue) >= self.LARGE_WAITING and not self._fits(cost, small):
                self._refuse("busy", errors.DecodeBusy(
                    "too many large images are waiting to be decoded; retry shortly"))
            queue.append(ticket)
            try:
                self._wait_turn(queue, ticket, cost, small, deadline)
            finally:
                queue.remove(ticket)
                self._cv.notify_all()
            self._take(cost, small, +1)
        try:
            yield
        finally:
            with self._cv:
                self._take(cost, small, -1)
                self._cv.notify_all()

    def _wait_turn(self, queue: deque[object], ticket: object, cost: int, small: bool,
                   deadline: float | None) -> None:
        """Wait (holding the condition) until ``ticket`` is first in line and ``cost`` fits."""
        since: float | None = None
        try:
            while queue[0] is not ticket or not self._fits(cost, small):
                now = time.monotonic()
                since = now if since is None else since
                left = None if deadline is None else deadline - now
                if left is not None and left <= 0:
                    self._refuse("deadline", errors.DeadlineExceeded(
                        "the time limit ran out waiting for memory to decode the image"))
                self._cv.wait(left)
        finally:
            if since is not None:
                self.waits += 1
                self.wait_seconds += time.monotonic() - since

    def _refuse(self, reason: str, error: errors.ServiceError) -> NoReturn:
        """Count the refusal, then raise ``error`` (the condition's lock is re-entrant)."""
        with self._cv:
            self.refusals[reason] += 1
        raise error

    def _take(self, cost: int, small: bool, sign: int) -> None:
        self.used += sign * cost
        if not small:
            self.used_large += sign * cost
        self.peak = max(self.peak, self.used)


_BUDGETS: dict[int, DecodeBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def shared_budget(total: int) -> DecodeBudget:
    """The process's one budget of ``total`` bytes (every service configured alike shares it)."""
    with _BUDGETS_LOCK:
        return _BUDGETS.setdefault(total, DecodeBudget(total))
