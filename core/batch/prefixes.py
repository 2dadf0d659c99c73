"""Objects under an ``s3://`` or ``gs://`` prefix, listed and read with ``core.jobs``' stores
(each cloud's SDK, pointed at a local server by the SDK's own endpoint settings)."""

from __future__ import annotations

from typing import Any

from core import errors
from core.batch.items import Item
from core.config import Settings


def prefix_items(text: str) -> list[Item]:
    """Every object under the prefix ``text``."""
    raise errors.ConfigError(f"SOURCE {errors.shown(text)}: object-store prefixes need core.jobs")


def read_object(ref: Any, limit: int, deadline: float, settings: Settings) -> bytes:
    """The bytes of the object ``ref``."""
    raise errors.ConfigError("object-store prefixes need core.jobs")
