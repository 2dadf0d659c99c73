"""The model's queue: a request waits for a serial runtime only until its deadline."""

from __future__ import annotations

import threading
import time

import pytest

from core import errors
from core.pipeline.gate import ModelGate


def test_a_queued_request_gives_up_at_its_deadline() -> None:
    gate = ModelGate(serial=True)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with gate.turn(time.monotonic() + 60):
            inside.set()
            leave.wait(30)
    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert inside.wait(10)
    started = time.monotonic()
    with (pytest.raises(errors.DeadlineExceeded, match="waiting for the model"),
          gate.turn(time.monotonic() + 0.2)):
        pass
    took = time.monotonic() - started
    leave.set()
    holder.join(10)
    assert took < 5, took  # the 0.2 s deadline, not the holder's 30 s
    with gate.turn(time.monotonic() + 1):  # free again once released
        pass


def test_no_time_left_is_refused_before_waiting() -> None:
    for serial in (True, False):
        with pytest.raises(errors.DeadlineExceeded), ModelGate(serial).turn(time.monotonic() - 1):
            pass


def test_a_concurrent_runtime_is_not_queued() -> None:
    gate = ModelGate(serial=False)
    with gate.turn(time.monotonic() + 5), gate.turn(time.monotonic() + 5):
        pass
