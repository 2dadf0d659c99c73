"""One image of a batch, as the sources list it and the read-ahead reads it."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core import errors
from core.jobs.objects import ObjectRef
from core.jobs.results import source_json

URL_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class Item:
    """An object to classify (a local file, an image URL, a stored object); ``line``: its
    line in a URL list; ``error``: refused before any read (a bad line)."""

    ref: ObjectRef
    line: int | None = None
    error: errors.ServiceError | None = field(default=None, compare=False)

    def source(self, read: ObjectRef | None = None) -> dict[str, Any]:
        """The record's ``source``, as the event results name it (a URL without its query),
        for the object as read when given (its version and ETag filled in)."""
        ref = read or self.ref
        found: dict[str, Any] = {"uri": ref.key}  # a list's line that is no URL at all
        if ref.store != "url" or ref.key.lower().startswith(URL_SCHEMES):
            with suppress(ValueError):  # urlsplit refuses a malformed host ("http://[::1")
                found = source_json(ref)
        if self.line is not None:
            found["line"] = self.line
        return found

    @cached_property
    def key(self) -> str:
        """The resume key: the source's URI."""
        return str(self.source()["uri"])
