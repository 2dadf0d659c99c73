"""A one-shot command's quiet mode: what the runtime prints natively while the model loads.

LiteRT writes ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`` from C++ straight to
file descriptor 2 when the interpreter is created; ``TF_CPP_MIN_LOG_LEVEL`` does not reach it.
So around the model load, fd 2 goes to a temporary file and every line but those comes back.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

NATIVE_NOISE = ("INFO: Created TensorFlow Lite XNNPACK delegate",)


@contextmanager
def native_info_dropped() -> Iterator[None]:
    """Drop the runtime's native INFO lines written to fd 2 inside the block; keep the rest."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(True)
                    if not line.startswith(NATIVE_NOISE)]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
