"""One image of a batch, as the sources list it and the runner reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import errors


@dataclass(frozen=True)
class Item:
    """One image to classify: ``kind`` says how to read ``location`` (a path, a URL or an
    object reference); ``source`` is the record's ``source`` object, ``source["uri"]`` the
    key a resumed run skips by; ``error``: refused before any read (a bad line)."""

    kind: str  # "file" | "url" | "object"
    location: Any
    source: dict[str, Any] = field(hash=False)
    error: errors.ServiceError | None = field(default=None, hash=False, compare=False)

    @property
    def key(self) -> str:
        """The resume key: the source's URI."""
        return str(self.source["uri"])
