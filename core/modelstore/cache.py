"""The cache folder: complete, verified copies only, so a warm start can trust what it finds.

A model from ``MODEL_URI`` is downloaded into a fresh ``.partial-*`` folder beside its final
place and renamed into ``<cache>/<uri key>/<identity>/`` only once every file is in and the
identity is computed (and matched ``MODEL_SHA256``). A rename within one file system is
atomic, so a folder named by an identity always holds that identity's whole set: an
interrupted download leaves at most a ``.partial-<pid>-*`` folder, which nothing reads and the
next start removes once that process is gone, and a concurrent start that finished first is
simply used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ConfigError

DEFAULT_FOLDER = "classifier-models"


def cache_root(configured: str | None) -> Path:
    """``MODEL_CACHE_DIR``, else ``classifier-models`` in the temp folder (Lambda: /tmp)."""
    if configured is not None:
        return Path(configured)
    return Path(tempfile.gettempdir()) / DEFAULT_FOLDER


class Cache:
    """The copies of one URI's model under ``root``, one folder per identity."""

    def __init__(self, root: Path, key: str) -> None:
        self.folder = root / key

    def verified(self, identity: str) -> Path | None:
        """The complete copy with this identity, if an earlier start left one."""
        found = self.folder / identity
        return found if found.is_dir() else None

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A new, empty folder to download into; removed afterwards unless committed."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._remove_orphans()
            stage = Path(tempfile.mkdtemp(prefix=f".partial-{os.getpid()}-", dir=self.folder))
        except OSError as exc:
            raise ConfigError(f"MODEL_CACHE_DIR {self.folder.parent} is not writable: "
                              f"{exc.strerror or exc}") from exc
        try:
            yield stage
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _remove_orphans(self) -> None:
        """Remove the partial folders of processes that ended mid-download (an init killed at
        its time limit), which would otherwise fill a small /tmp over restarts."""
        for stage in self.folder.glob(".partial-*-*"):
            pid = stage.name.split("-")[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(stage, ignore_errors=True)

    def commit(self, stage: Path, identity: str) -> Path:
        """Move the complete ``stage`` to its identity's folder, atomically."""
        target = self.folder / identity
        try:
            os.rename(stage, target)
        except OSError:
            if not target.is_dir():
                raise
            # Another start of this instance committed the same identity first: use its copy.
        return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True
