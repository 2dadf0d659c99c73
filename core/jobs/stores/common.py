"""What every store shares: the bytes it read, and the read's limits."""

from __future__ import annotations

import time
from dataclasses import dataclass

from core import errors
from core.jobs.objects import ObjectRef


@dataclass(frozen=True)
class Blob:
    """An object's bytes and the object as read (its version and ETag filled in)."""

    data: bytes
    ref: ObjectRef


def time_left(deadline: float, ceiling: float) -> float:
    """Seconds a store call may take: ``ceiling``, less when the deadline is nearer;
    DeadlineExceeded when it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise errors.DeadlineExceeded("the time limit ran out before the object was read")
    return min(ceiling, left)


def too_large(size: int | None, max_bytes: int) -> None:
    """ImageTooLarge when the object (its stated or read size) is over ``max_bytes``."""
    if size is not None and size > max_bytes:
        raise errors.ImageTooLarge(f"the image is larger than {max_bytes} bytes")
