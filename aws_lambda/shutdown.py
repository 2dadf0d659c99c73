"""A clean, prompt exit on SIGTERM.

Lambda sends SIGTERM to the runtime when it shuts an environment down (with extensions
registered), and ``docker stop`` sends it to the container's process 1, the runtime client,
which as process 1 ignores every signal it has no handler for. Its main thread waits for the
next event inside the client's C code, where a Python signal handler would not run until an
event came; so the handler only wakes a thread (``signal.set_wakeup_fd`` on a pipe), which
closes what ``on_exit`` closes, flushes the logs and exits with status 0.
"""

from __future__ import annotations

import _thread
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from core.telemetry.request_log import log_json


def install(on_exit: Callable[[], None]) -> bool:
    """Exit cleanly on SIGTERM; False (nothing done) outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    reader, writer = os.pipe()  # a pipe, not a socket pair: no socket module at init
    os.set_blocking(writer, False)
    signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
    signal.signal(signal.SIGTERM, _noop)
    # a bare thread: threading.Thread.start would wait for it to be scheduled, at init
    _thread.start_new_thread(_wait, (reader, writer, on_exit))
    return True


def _noop(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler; the work happens in the waiting thread."""


def _wait(reader: int, writer: int, on_exit: Callable[[], None]) -> None:
    # ``writer`` is held here so that the wakeup descriptor stays open while this waits.
    while (data := os.read(reader, 64)) and int(signal.SIGTERM) not in data:
        continue
    try:
        on_exit()
    finally:
        log_json(logging.INFO, "shutdown", signal="SIGTERM")
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)
