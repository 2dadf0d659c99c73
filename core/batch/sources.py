"""What a batch classifies: every file of a folder, every line of a URL list, or every object
under an ``s3://`` / ``gs://`` prefix, each as an ``Item`` keyed by its source URI.

A SOURCE that cannot be read at all (missing, unreadable, an image instead of a list) is a
``ConfigError`` naming it: the command stops before any work. A bad line of a URL list is that
line's own error record (``Item.error``), so the rest of the list still runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from core import errors
from core.api.predict_body import check_url
from core.batch.items import URL_SCHEMES, Item
from core.config import Settings
from core.jobs.objects import ObjectRef

PREFIX_SCHEMES = ("s3://", "gs://")
# The first bytes of the image formats a user might pass by mistake instead of a list.
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM", b"II*\x00", b"MM\x00*")


def open_source(text: str, settings: Settings, skip: frozenset[Path] = frozenset()
                ) -> list[Item]:
    """The items of SOURCE ``text``, in a stable order (``skip``: files never classified,
    such as the results file inside the folder)."""
    if text.startswith(PREFIX_SCHEMES):
        from core.batch.prefixes import prefix_items

        return prefix_items(text, settings)
    if text.startswith(URL_SCHEMES):
        raise errors.ConfigError(
            f"SOURCE {errors.shown(text)} is one URL: use `classifier predict URL`, or put "
            "URLs in a text file, one a line, and pass that file")
    path = Path(text)
    if path.is_dir():
        return folder_items(path, skip)
    if path.is_file():
        return url_list_items(path)
    if path.exists():
        raise errors.ConfigError(f"SOURCE {text} is neither a folder nor a file")
    raise errors.ConfigError(
        f"SOURCE {text} does not exist (expected a folder of images, a text file of URLs, "
        "or an s3:// or gs:// prefix)")


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def folder_items(folder: Path, skip: frozenset[Path] = frozenset()) -> list[Item]:
    """Every file under ``folder`` (subfolders too, hidden ones left out), sorted by path.
    A file that is not an image is still an item: its record says so."""
    root = folder.resolve()
    try:
        paths = sorted(p for p in root.rglob("*") if _visible(p, root) and p.is_file()
                       and p not in skip)
    except OSError as exc:
        raise errors.ConfigError(f"SOURCE {folder} cannot be listed: {exc.strerror}") from exc
    if not paths:
        raise errors.ConfigError(f"SOURCE {folder} holds no files")
    return [Item(ObjectRef("file", "", str(path))) for path in paths]


def read_list(path: Path) -> str:
    """The text of a URL list; a ConfigError when it is an image or not UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise errors.ConfigError(f"SOURCE {path} cannot be read: {exc.strerror}") from exc
    if data.startswith(IMAGE_MAGIC):
        raise errors.ConfigError(
            f"SOURCE {path} is an image, not a list of URLs: use `classifier predict {path}`, "
            "or pass the folder that holds it")
    try:
        if b"\x00" in data:
            raise UnicodeDecodeError("utf-8", data, 0, 1, "NUL byte")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise errors.ConfigError(
            f"SOURCE {path} is not a text file of URLs (one http(s) URL a line, UTF-8)"
        ) from exc


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed host: the URL policy refuses the line when it is fetched
        return ""


def url_list_items(path: Path) -> list[Item]:
    """One item per line of the list (blank lines and ``#`` comments skipped, a URL seen
    before skipped: URLs compare without their query, as results name them); an overlong
    line is an item with its error already set, every other line meets the URL policy of
    ``/predict`` when it is fetched."""
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(read_list(path).splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        item = Item(ObjectRef("url", _host(text), text), number)
        try:
            check_url(text, f"line {number}")
        except errors.ServiceError as exc:
            item = Item(item.ref, number, exc)
        if item.key not in seen:
            seen.add(item.key)
            items.append(item)
    if not items:
        raise errors.ConfigError(f"SOURCE {path} holds no URL (one http(s) URL a line)")
    return items


def pending(items: list[Item], done: set[str]) -> Iterator[Item]:
    """The items whose source is not in ``done``."""
    return (item for item in items if item.key not in done)
