"""File paths as text, spelled as ``pathlib.PurePosixPath`` spells them, without pathlib.

The init path of a cold start stays off pathlib: on Python 3.11 and 3.12 it imports
urllib.parse, ipaddress, fnmatch and ntpath, about 3 ms that no bare runtime spends. The
settings, the model's files and their messages keep pathlib's spelling (``a//b/`` reads
``a/b``), so a path reads the same in every message whichever type carried it. POSIX only,
as the platforms the service runs on.
"""

from __future__ import annotations

import os

StrPath = str | os.PathLike[str]


def pure(path: StrPath) -> str:
    """``str(PurePosixPath(path))``: empty and ``.`` parts dropped, one or two leading slashes
    kept (three or more read as one), no trailing slash; ``.`` for an empty path."""
    text = os.fspath(path)
    root = "//" if text[:2] == "//" and text[2:3] != "/" else "/" if text[:1] == "/" else ""
    return root + "/".join(part for part in text.split("/") if part not in ("", ".")) or "."


def join(*parts: StrPath) -> str:
    """``PurePosixPath(first, *rest)``, as text: an absolute part starts afresh."""
    return pure(os.path.join(*(os.fspath(part) for part in parts)))


def name(path: StrPath) -> str:
    """``PurePosixPath(path).name``: the last part, empty for a root or ``.``."""
    last = pure(path).rpartition("/")[2]
    return "" if last == "." else last


def parent(path: StrPath) -> str:
    """``PurePosixPath(path).parent``, as text (``.`` for a bare file name)."""
    text = pure(path)
    root = text[:len(text) - len(text.lstrip("/"))]
    rest = text[len(root):]
    return root + rest.rpartition("/")[0] if "/" in rest else root or "."


def suffix(path: StrPath) -> str:
    """``PurePosixPath(path).suffix``: from the last dot of the name, unless the name starts or
    ends with it."""
    last = name(path)
    dot = last.rfind(".")
    return last[dot:] if 0 < dot < len(last) - 1 else ""


def with_suffix(path: StrPath, new: str) -> str:
    """``PurePosixPath(path).with_suffix(new)``, as text; ValueError for a path without a name,
    as pathlib's."""
    text = pure(path)
    if not name(text):
        raise ValueError(f"{text!r} has an empty name")
    return text[:len(text) - len(suffix(text))] + new
