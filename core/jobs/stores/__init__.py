"""Object stores: one ``Store`` per kind, made once per process and reused.

Each store uses its cloud's own SDK with the identity the platform gives the function, and
the SDK's own endpoint settings (``AWS_ENDPOINT_URL_S3``, ``STORAGE_EMULATOR_HOST``,
``AZURE_STORAGE_CONNECTION_STRING``) point it elsewhere, as the tests do. The SDK is imported
inside ``open_store`` when its store is first asked for, never on the HTTP path. SDK failures
are translated where they arise: a missing object is ``ObjectNotFound``, a refusal
``StorageForbidden`` (both final), throttling, 5xx answers, timeouts and connection failures
``StorageUnavailable`` (retried).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from core import errors
from core.config import Settings
from core.jobs.objects import ObjectRef
from core.jobs.stores.common import Blob


class Store(Protocol):
    """Reads, writes and lists the objects of one kind of store."""

    def read(self, ref: ObjectRef, max_bytes: int, deadline: float) -> Blob:
        """The object's bytes (ImageTooLarge past ``max_bytes``, DeadlineExceeded past
        ``deadline``, a ``time.monotonic()`` value)."""
        ...  # pragma: no cover - protocol

    def write(self, ref: ObjectRef, body: bytes, content_type: str) -> None:
        """Create or replace the object."""
        ...  # pragma: no cover - protocol

    def list(self, prefix: ObjectRef) -> Iterator[ObjectRef]:
        """Every object whose key starts with ``prefix.key``, with its ETag."""
        ...  # pragma: no cover - protocol


_STORES: dict[tuple[str, ...], Store] = {}
_LOCK = threading.Lock()
# The SDK settings a client reads when it is made: a change makes a new client.
ENDPOINT_VARIABLES = {"s3": ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
                      "gs": ("STORAGE_EMULATOR_HOST",),
                      "azure": ("AZURE_STORAGE_CONNECTION_STRING",)}


def open_store(store: str, settings: Settings) -> Store:
    """The process's store of kind ``store`` (``s3``, ``gs``, ``azure``, ``file``, ``url``
    is not one); ConfigError when its SDK is not installed."""
    key = (store, str(settings.fetch_connect_timeout), str(settings.fetch_read_timeout),
           *(os.environ.get(name, "") for name in ENDPOINT_VARIABLES.get(store, ())))
    with _LOCK:
        found = _STORES.get(key)
        if found is None:
            found = _STORES[key] = _make(store, settings)
    return found


def _make(store: str, settings: Settings) -> Store:
    from core.jobs.stores import azure, file, gs, s3

    makers: dict[str, Callable[[Settings], Store]] = {
        "s3": s3.S3Store, "gs": gs.GcsStore, "azure": azure.AzureStore, "file": file.FileStore}
    if store not in makers:
        raise errors.ConfigError(f"no object store for {store!r}")
    try:
        return makers[store](settings)
    except ImportError as exc:
        raise errors.ConfigError(
            f"reading {store} objects needs {SDKS[store]}, which is not installed "
            f"({exc.name}): pip install '.[{EXTRAS[store]}]'") from exc


EXTRAS = {"s3": "s3", "gs": "gcs", "azure": "azure-blob", "file": ""}
SDKS = {"s3": "boto3", "gs": "google-cloud-storage",
        "azure": "azure-storage-blob and azure-identity", "file": ""}
