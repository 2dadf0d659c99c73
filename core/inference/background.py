"""One call run on its own thread, its result or exception kept for whoever asks.

A plain ``threading.Thread`` rather than ``concurrent.futures``: that package (and the modules
it pulls in) would otherwise be imported by every cold start, for one background task.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """``function(*args)`` started now on a daemon thread named ``name``; ``idle``: at the
    lowest CPU priority (nice 19, Linux threads), so that it takes only CPU time nothing else
    wants and never delays the thread that started it (a cold start's first answer)."""

    def __init__(self, function: Callable[..., T], *args: Any, name: str,
                 idle: bool = False) -> None:
        self._function = function
        self._idle = idle
        self._args = args
        self._value: T | None = None
        self._error: BaseException | None = None
        self.seconds = 0.0  # how long the call ran, once it has ended
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._idle and sys.platform == "linux":  # nice is per thread on Linux only
            with contextlib.suppress(OSError):  # refused: it runs at the normal priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        started = time.perf_counter()
        try:
            self._value = self._function(*self._args)
        except BaseException as error:  # kept, and raised by result() in the caller's thread
            self._error = error
        self.seconds = time.perf_counter() - started

    def done(self) -> bool:
        """Whether the call has ended (never waits)."""
        return not self._thread.is_alive()

    def failed(self) -> bool:
        """Whether the call has ended by raising (never waits)."""
        return self._error is not None and self.done()

    def join(self) -> None:
        """Wait for the call to end, whether it returned or raised."""
        self._thread.join()

    def result(self) -> T:
        """The call's return value (waiting for it), or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
