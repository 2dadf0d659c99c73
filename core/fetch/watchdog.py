"""A watchdog that shuts a socket when its deadline passes while a server drips its headers.

A socket timeout bounds each read, not the whole response head: a server that sends one header
byte per second would hold a fetch for as long as it likes. The watchdog shuts the socket down at
the deadline, which ends the read in progress with an error.
"""

from __future__ import annotations

import _thread
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class _Reaper:
    """One daemon thread that shuts the sockets whose deadline has passed.

    A ``threading.Timer`` per request cost about 1 ms (starting a thread) on every fetch; this
    thread is started once, sleeps until the nearest deadline and is woken only when a new
    deadline comes before the one it sleeps towards (not once per request).
    """

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._watched: dict[int, tuple[float, socket.socket]] = {}
        self._keys = itertools.count()
        self._started = False
        self._wake_at = float("inf")

    def add(self, deadline: float, sock: socket.socket) -> int:
        """Watch ``sock`` until ``remove``; shut it if ``deadline`` passes first."""
        with self._cv:
            key = next(self._keys)
            self._watched[key] = (deadline, sock)
            if not self._started:  # a bare thread: Thread.start would wait for it to run
                self._started = True
                _thread.start_new_thread(self._run, ())
            if deadline < self._wake_at:
                self._cv.notify()
        return key

    def remove(self, key: int) -> None:
        """Stop watching (the response headers arrived in time, or failed)."""
        with self._cv:
            self._watched.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._cv:
                now = time.monotonic()
                late = [k for k, (deadline, _) in self._watched.items() if deadline <= now]
                expired = [self._watched.pop(k)[1] for k in late]
                if not expired:
                    self._wake_at = min((d for d, _ in self._watched.values()),
                                        default=float("inf"))
                    wait = None if self._wake_at == float("inf") else self._wake_at - now
                    self._cv.wait(wait)
                    self._wake_at = float("-inf")  # awake: every add must notify
            for sock in expired:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


_REAPER = _Reaper()


@contextmanager
def watchdog(sock: socket.socket | None, deadline: float | None) -> Iterator[None]:
    """Shut ``sock`` down if ``deadline`` (time.monotonic()) passes inside the block."""
    if sock is None or deadline is None:
        yield
        return
    key = _REAPER.add(deadline, sock)
    try:
        yield
    finally:
        _REAPER.remove(key)
