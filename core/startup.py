"""A serving process's init phase: numpy and Pillow imported first, the collector paused.

Two costs of a cold start that no single module's import time shows, both measured in the
Lambda image (docs/performance.md, "Cold start"):

* CPython (3.11 and later) keeps a thread's frames in chunks of 16 KiB and frees a chunk as soon
  as the stack falls back below it. numpy and Pillow run thousands of calls while they import;
  reached through the service's chain of nested imports (about five modules deep, six
  importlib frames each), that work sat on a chunk boundary, and each crossing was an ``mmap``
  and a ``munmap``: 741 ``munmap`` calls in the handler's import, against 19 when the entry
  module imports numpy and Pillow itself first.
* The cyclic garbage collector ran about 45 times while the init imports built their ~25,000
  objects, freeing next to nothing: 5-8 ms. It is paused for the init phase; when the phase
  ends, what it built moves to the permanent generation (``gc.freeze``), so no later
  collection scans it again (and a fork shares its pages), and collection resumes.
"""

from __future__ import annotations

import gc
import sys
from types import TracebackType


class InitPhase:
    """``with InitPhase():`` around an entry module's imports and model load. A failure inside
    leaves the collector as it was and freezes nothing."""

    _was_enabled = True  # the collector's state on entry, set by __enter__

    def __enter__(self) -> InitPhase:
        self._was_enabled = gc.isenabled()
        gc.disable()
        try:
            import numpy  # noqa: F401  (here, shallow: see the module's docstring)
            import PIL.Image  # noqa: F401
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            gc.freeze()  # before enabling: a collection of all of init's objects would follow
        if self._was_enabled:
            gc.enable()
