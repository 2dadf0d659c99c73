"""Stop a batch between images on Ctrl-C (SIGINT) or SIGTERM.

The first signal only asks the loop to stop: the image being classified is finished and its
line written, then the loop ends and the file is closed. A second Ctrl-C interrupts at once
(KeyboardInterrupt); lines are whole even then, since each is one write.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop:
    """Set by the first SIGINT or SIGTERM; ``signal``: which one (None while running)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None

    def is_set(self) -> bool:
        """True once a stop was asked for."""
        return self.event.is_set()

    def exit_status(self) -> int | None:
        """The shell's status for the signal that stopped the run (130, 143), or None."""
        return None if self.signal is None else 128 + self.signal

    def _handle(self, number: int, frame: FrameType | None) -> None:
        if self.event.is_set() and number == signal.SIGINT:
            raise KeyboardInterrupt
        self.signal = number
        self.event.set()


@contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """A ``Stop`` set by SIGINT or SIGTERM inside the block (the handlers are installed only
    on the main thread, where Python delivers signals; elsewhere the block runs unstoppable)."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {number: signal.signal(number, stop._handle) for number in SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
