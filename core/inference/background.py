"""One call run on its own thread, its result or exception kept for whoever asks.

A bare ``_thread`` thread rather than ``concurrent.futures`` (whose modules every cold start
would import for one background task) or ``threading.Thread`` (whose ``start`` waits until the
new thread has been scheduled: milliseconds on a busy host, on the path of whoever starts it).
"""

from __future__ import annotations

import _thread
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """``function(*args)`` on a thread of its own, started now or by ``start``; ``idle``: at
    the lowest CPU priority (nice 19, Linux threads), so that it takes only CPU time nothing
    else wants."""

    def __init__(self, function: Callable[..., T], *args: Any, idle: bool = False,
                 start: bool = True) -> None:
        self._function = function
        self._args = args
        self._idle = idle
        self._value: T | None = None
        self._error: BaseException | None = None
        self.seconds = 0.0  # how long the call ran, once it has ended
        self._lock = threading.Lock()
        self._started = False
        self._then: list[Callable[[], None]] = []
        self._finishing = False  # the calls for ``then`` have been taken
        self._ended = threading.Event()  # the call has ended
        self._settled = threading.Event()  # and the calls given to ``then`` have run
        if start:
            self.start()

    def start(self, delay: float = 0.0) -> None:
        """Start the call unless it has started, its thread sleeping ``delay`` seconds first
        (its import and first reads hold the GIL, which the starting thread may still want);
        never waits."""
        with self._lock:
            if self._started:
                return
            self._started = True
        _thread.start_new_thread(self._run, (delay,))

    def _run(self, delay: float) -> None:
        if delay:
            time.sleep(delay)
        if self._idle and sys.platform == "linux":  # nice is per thread on Linux only
            with contextlib.suppress(OSError):  # refused: it runs at the normal priority
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        started = time.perf_counter()
        try:
            self._value = self._function(*self._args)
        except BaseException as error:  # kept, and raised by result() in the caller's thread
            self._error = error
        self.seconds = time.perf_counter() - started
        self._ended.set()
        with self._lock:
            self._finishing, then, self._then = True, self._then, []
        try:
            for call in then:
                call()
        finally:
            self._settled.set()

    def then(self, call: Callable[[], None]) -> None:
        """Run ``call`` on this thread when the call ends, or now if it has ended."""
        with self._lock:
            if not self._finishing:
                self._then.append(call)
                return
        call()

    def done(self) -> bool:
        """Whether the call has ended (never waits)."""
        return self._ended.is_set()

    def failed(self) -> bool:
        """Whether the call has ended by raising (never waits)."""
        return self._error is not None and self.done()

    def join(self) -> None:
        """Wait for the call to end (starting it if need be), whether it returned or raised."""
        self.start()
        self._ended.wait()

    def settle(self) -> None:
        """Wait for the call to end and for what ``then`` gave it to have run."""
        self.start()
        self._settled.wait()

    def result(self) -> T:
        """The call's return value (waiting for it), or its exception raised here."""
        self.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
