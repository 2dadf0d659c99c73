"""The progress display: tqdm's bar with images per second when tqdm is installed (the
``batch`` extra; the dev set has it), else a plain line every few seconds. Either shows only
when stderr is a terminal, so logs and pipes get the final summary alone."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

PLAIN_EVERY = 5.0  # seconds between plain progress lines


class Progress(Protocol):
    """What the runner calls: one ``update`` per image written, ``close`` at the end."""

    def update(self, failed: bool) -> None: ...  # pragma: no cover

    def close(self) -> None: ...  # pragma: no cover


class Plain:
    """One ``N/TOTAL images, X img/s`` line every ``PLAIN_EVERY`` seconds on a terminal."""

    def __init__(self, total: int, stream: TextIO, shown: bool) -> None:
        self.total, self.stream, self.shown = total, stream, shown
        self.count = self.failed = 0
        self.started = self.last = time.monotonic()

    def update(self, failed: bool) -> None:
        """Count one image; print a line when it is time."""
        self.count += 1
        self.failed += failed
        now = time.monotonic()
        if self.shown and now - self.last >= PLAIN_EVERY:
            self.last = now
            rate = self.count / max(now - self.started, 1e-9)
            print(f"{self.count}/{self.total} images, {rate:.1f} img/s, {self.failed} failed",
                  file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing to tear down."""


class Bar:
    """tqdm's bar (unit img, so its rate reads img/s) with the failures as its postfix."""

    def __init__(self, total: int, stream: TextIO, shown: bool) -> None:
        from tqdm import tqdm

        self.failed = 0
        self.bar: Any = tqdm(total=total, unit="img", desc="classifying", file=stream,
                             disable=not shown, dynamic_ncols=True, smoothing=0.1)

    def update(self, failed: bool) -> None:
        """Advance by one image."""
        if failed:
            self.failed += 1
            self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        """Draw the final state and release the line."""
        self.bar.close()


def has_tqdm() -> bool:
    """True when tqdm can be imported."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def make_progress(total: int, show: bool | None = None, stream: TextIO | None = None
                  ) -> Progress:
    """The bar (or plain lines without tqdm) for ``total`` images; ``show`` None: only when
    the stream is a terminal."""
    out = stream or sys.stderr
    shown = out.isatty() if show is None else show
    return Bar(total, out, shown) if has_tqdm() else Plain(total, out, shown)
