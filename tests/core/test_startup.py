"""core.startup.InitPhase: the collector paused inside, frozen and resumed after, restored on a
failure. (That the entry modules use it, from the right depth: tests/test_init_imports.py.)"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from core.startup import InitPhase


@pytest.fixture(autouse=True)
def collector() -> Iterator[None]:
    """Each test starts with the collector on and nothing frozen, and leaves it so."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


class Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_the_collector_is_paused_inside_and_resumes_after() -> None:
    with InitPhase():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_init_built_is_frozen_and_what_follows_is_collected() -> None:
    """After the phase, the objects alive in it sit in the permanent generation; a cycle made
    afterwards is still collected."""
    with InitPhase():
        kept = Cycle()
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen: out of every generation
    later = Cycle()
    assert gc.is_tracked(later)
    del later
    assert gc.collect() >= 1


def test_a_failure_inside_restores_the_collector_and_freezes_nothing() -> None:
    with pytest.raises(RuntimeError, match="bad model"), InitPhase():
        raise RuntimeError("bad model")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    with InitPhase():
        pass
    assert not gc.isenabled()

