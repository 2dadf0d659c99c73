"""What every store's reader offers the download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Reader:
    """Downloads one object beside the model to a path (``get(name, dest)``), and tells which
    of its failures mean "no such object" (``missing(exc)``): the manifest and labels may be
    absent, nothing else may."""

    get: Callable[[str, Path], None]
    missing: Callable[[BaseException], bool]
