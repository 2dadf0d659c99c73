"""Download the model named by ``MODEL_URI`` with its manifest, labels and external data.

The model file comes first; the graph then says which external data files ("sidecars") it
needs, and each must download. The manifest and labels the loader would look for beside the
model (``<stem>.json``, ``model.json``, ``<stem>.labels.txt``, ``labels.txt``) are fetched when
present. The set's identity (the rule of ``core.inference.external_data``, passed in as
``identity``) must equal ``MODEL_SHA256`` when it is set. Every failure is one ConfigError
line naming the URI (without its query, which may hold a signature) and the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from core.errors import ConfigError
from core.modelstore.cache import Cache, cache_root
from core.modelstore.reader import Reader
from core.modelstore.uri import ModelUri, parse_uri

Sidecars = Callable[[Path], tuple[str, ...]]
Identity = Callable[[Path, tuple[str, ...]], str]


@dataclass(frozen=True)
class Downloaded:
    """Where the model landed, what it is, and what it took."""

    path: Path
    identity: str
    uri: str  # without its query
    seconds: float
    bytes: int
    reused: bool  # a verified copy from an earlier start in this cache, nothing downloaded


def _neighbours(name: str) -> tuple[str, ...]:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    names = (f"{stem}.json", "model.json", f"{stem}.labels.txt", "labels.txt")
    return tuple(dict.fromkeys(n for n in names if n != name))


def open_reader(uri: ModelUri, timeout: float) -> Reader:
    """The reader for the URI's store (the SDK is imported only now)."""
    if uri.store == "https":
        from core.modelstore.https import https_reader

        return https_reader(uri, timeout)
    from core.modelstore.clouds import cloud_reader

    return cloud_reader(uri, timeout)


def _describe(exc: BaseException, uri: ModelUri) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    if uri.query:
        text = text.replace(uri.query, "...")
    return f"{type(exc).__name__}: {text}"[:300]


def _get(reader: Reader, uri: ModelUri, name: str, stage: Path, optional: bool = False) -> bool:
    """Download ``name`` into ``stage``; False when an optional file is absent."""
    dest = stage / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        reader.get(name, dest)
        return True
    except ConfigError:
        raise
    except Exception as exc:
        dest.unlink(missing_ok=True)
        if optional and reader.missing(exc):
            return False
        what = "does not exist or may not be read" if reader.missing(exc) else "failed"
        raise ConfigError(f"MODEL_URI {uri.shown}: downloading {name} {what} "
                          f"({_describe(exc, uri)})") from exc


def _fetch_set(reader: Reader, uri: ModelUri, stage: Path, sidecars: Sidecars
               ) -> tuple[str, ...]:
    """The model, its sidecars and whichever manifest and labels exist; the sidecars."""
    _get(reader, uri, uri.name, stage)
    files = sidecars(stage / uri.name)
    for name in files:
        _get(reader, uri, name, stage)
    for name in _neighbours(uri.name):
        _get(reader, uri, name, stage, optional=True)
    return files


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def download_model(settings: Settings, sidecars: Sidecars, identity: Identity) -> Downloaded:
    """The local copy of ``settings.model_uri``: reused when a verified copy with
    ``MODEL_SHA256`` is in the cache, else downloaded, verified and committed atomically."""
    started = time.perf_counter()
    uri, expected = parse_uri(settings.model_uri), settings.model_sha256
    if uri.store == "https" and not expected:
        raise ConfigError(f"MODEL_URI {uri.shown} is a plain https URL: set MODEL_SHA256 to the "
                          "model's sha256 (GET /model or python -m core info shows it)")
    cache = Cache(cache_root(settings.model_cache_dir), uri.cache_key)
    found = cache.verified(expected) if expected else None
    if found is not None:
        return Downloaded(found / uri.name, expected, uri.shown,
                          time.perf_counter() - started, _size(found), reused=True)
    reader = open_reader(uri, settings.model_download_timeout)
    with cache.staging() as stage:
        files = _fetch_set(reader, uri, stage, sidecars)
        actual = identity(stage / uri.name, files)
        if expected and actual != expected:
            raise ConfigError(f"MODEL_URI {uri.shown} downloaded a model whose sha256 is "
                              f"{actual}, not MODEL_SHA256 {expected}: set MODEL_SHA256 to the "
                              "model you mean, or upload it again")
        folder = cache.commit(stage, actual)
    return Downloaded(folder / uri.name, actual, uri.shown,
                      time.perf_counter() - started, _size(folder), reused=False)
