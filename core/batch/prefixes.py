"""Objects under an ``s3://`` or ``gs://`` prefix, listed with ``core.jobs``' stores (each
cloud's SDK, pointed at a local server by the SDK's own endpoint settings)."""

from __future__ import annotations

from core import errors
from core.batch.items import Item
from core.config import Settings
from core.jobs.objects import parse_object_uri
from core.jobs.results import RESULT_SUFFIX
from core.jobs.stores import open_store


def prefix_items(text: str, settings: Settings) -> list[Item]:
    """Every object under the prefix ``text``, by key; folder markers (keys ending in ``/``)
    and results written by the storage events (``*.result.json``) are left out."""
    try:
        prefix = parse_object_uri(text, "SOURCE")
    except errors.BadRequest as exc:
        raise errors.ConfigError(exc.message) from exc
    store = open_store(prefix.store, settings)
    try:
        refs = sorted(store.list(prefix), key=lambda ref: ref.key)
    except errors.ServiceError as exc:
        raise errors.ConfigError(f"SOURCE {errors.shown(text, 200)} cannot be listed: "
                                 f"{exc.message}") from exc
    items = [Item(ref) for ref in refs
             if not ref.key.endswith("/") and not ref.key.endswith(RESULT_SUFFIX)]
    if not items:
        raise errors.ConfigError(f"SOURCE {errors.shown(text, 200)} holds no objects")
    return items
