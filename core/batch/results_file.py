"""The results file: one JSON record a line, appended one whole line per write, and read back
by the next run to skip what it already holds.

Each line goes out in a single ``os.write`` on a file opened ``O_APPEND``, so an interrupted run
leaves whole lines only (a signal runs its handler between writes, never inside one). A line cut
short anyway (the machine lost power, ``kill -9`` during a write) and records of a transient
failure (429, 5xx: the image may classify next time) are dropped when the next run opens the
file: the file is rewritten without them (a temporary file renamed over it), and those sources
are classified again, so no source ever has two lines.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import errors
from core.jobs.runner import is_transient_status


def is_final(record: Any) -> bool:
    """A record that a resumed run keeps: scores, or a permanent error (4xx, by the record's
    status, else by its code)."""
    if not isinstance(record, dict) or not isinstance(record.get("source"), dict):
        return False
    if "uri" not in record["source"]:
        return False
    if "scores" in record:
        return True
    error = record.get("error")
    if not isinstance(error, dict):
        return False
    status = error.get("status")
    if isinstance(status, int):
        return not is_transient_status(status)
    return not is_transient(str(error.get("code", "")))


def _statuses(base: type[errors.ServiceError]) -> dict[str, int]:
    found = {base.code: base.status}
    for sub in base.__subclasses__():
        found.update(_statuses(sub))
    return found


def is_transient(code: str) -> bool:
    """An error code worth another try: throttled, busy, timed out, or the service's own
    fault (429, 5xx in the errors table); a code not in the table counts as permanent."""
    return is_transient_status(_statuses(errors.ServiceError).get(code, 400))


@dataclass
class Kept:
    """What an existing results file holds: the lines kept, the sources done, lines dropped."""

    lines: list[bytes] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    dropped: int = 0


def read_kept(data: bytes) -> Kept:
    """Sort an existing file's lines into kept (final records) and dropped ones."""
    kept = Kept()
    *whole, tail = data.split(b"\n")
    kept.dropped += bool(tail.strip())  # a last line without its newline was cut short
    for line in whole:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            kept.dropped += 1
            continue
        if not is_final(record) or record["source"]["uri"] in kept.done:
            kept.dropped += 1
            continue
        kept.done.add(str(record["source"]["uri"]))
        kept.lines.append(line + b"\n")
    return kept


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise errors.ConfigError(f"--out {path} is a folder; name a file such as results.jsonl")
    if not path.parent.is_dir():
        raise errors.ConfigError(f"--out {path}: the folder {path.parent} does not exist")


class ResultsFile:
    """Append-only JSON lines at ``path``; ``done``: sources already there when opened."""

    def __init__(self, path: Path) -> None:
        _check_target(path)
        self.path = path
        self.kept = Kept()
        try:
            if path.is_file():  # a pipe or terminal (/dev/stdout) has nothing to resume from
                self.kept = read_kept(path.read_bytes())
                if self.kept.dropped:
                    self._rewrite(self.kept.lines)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise errors.ConfigError(f"--out {path} cannot be written: {exc.strerror}") from exc
        self.written = 0

    @property
    def done(self) -> set[str]:
        """Sources the file held when opened (their records are final)."""
        return self.kept.done

    def _rewrite(self, lines: list[bytes]) -> None:
        temporary = self.path.with_name(f".{self.path.name}.partial")
        with temporary.open("wb") as handle:
            handle.write(b"".join(lines))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def append(self, record: dict[str, Any]) -> None:
        """Write ``record`` as one line, in one write."""
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        view = memoryview(line)
        while view:  # a regular file takes it whole; the loop covers a short write anyway
            view = view[os.write(self._fd, view):]
        self.written += 1

    def close(self) -> None:
        """Flush to disk and close."""
        with contextlib.suppress(OSError):  # a pipe or terminal (--out /dev/stdout) cannot sync
            os.fsync(self._fd)
        os.close(self._fd)
