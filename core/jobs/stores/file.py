"""Local files, for the batch command: ``ObjectRef("file", "", path)``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from core import errors
from core.config import Settings
from core.jobs.objects import ObjectRef
from core.jobs.stores.common import Blob, time_left, too_large


class FileStore:
    """Files on this machine; writes are atomic (a temporary file renamed into place)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def read(self, ref: ObjectRef, max_bytes: int, deadline: float) -> Blob:
        time_left(deadline, 1.0)
        path = Path(ref.key)
        try:
            stat = path.stat()
            too_large(stat.st_size, max_bytes)
            with path.open("rb") as source:
                data = source.read(max_bytes + 1)
        except FileNotFoundError as exc:
            raise errors.ObjectNotFound(f"{errors.shown(ref.key, 200)} does not exist") from exc
        except PermissionError as exc:
            raise errors.StorageForbidden(f"{errors.shown(ref.key, 200)} may not be read") \
                from exc
        except IsADirectoryError as exc:
            raise errors.ObjectNotFound(f"{errors.shown(ref.key, 200)} is a folder") from exc
        too_large(len(data), max_bytes)
        return Blob(data, ref.child(ref.key, etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}"))

    def write(self, ref: ObjectRef, body: bytes, content_type: str) -> None:
        path = Path(ref.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def list(self, prefix: ObjectRef) -> Iterator[ObjectRef]:
        root = Path(prefix.key)
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            if path.is_file():
                yield prefix.child(str(path))
