"""Azure Blob Storage through azure-storage-blob: ``AZURE_STORAGE_CONNECTION_STRING`` when
set (Azurite, or an account key), else the managed identity (``DefaultAzureCredential``)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

from core import errors
from core.config import Settings
from core.jobs.objects import AZURE_BLOB_SUFFIX, ObjectRef, bare_etag
from core.jobs.stores.common import Blob, time_left, too_large


def translated(exc: Exception, ref: ObjectRef) -> errors.ServiceError:
    """The service error for an azure-storage-blob failure on ``ref``."""
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    shown = errors.shown(ref.uri, 200)
    if isinstance(exc, ResourceNotFoundError):
        return errors.ObjectNotFound(f"{shown} does not exist")
    status = getattr(exc, "status_code", None) if isinstance(exc, HttpResponseError) else None
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        return errors.StorageForbidden(f"Blob Storage refused {shown} (HTTP {status})")
    return errors.StorageUnavailable(f"Blob Storage failed for {shown} "
                                     f"({status or type(exc).__name__})")


class AzureStore:
    """Blobs in Azure Storage containers; one client per account."""

    def __init__(self, settings: Settings) -> None:
        from azure.core.exceptions import AzureError
        from azure.storage.blob import BlobServiceClient

        self._failures: tuple[type[Exception], ...] = (AzureError,)
        self._make = BlobServiceClient
        self._timeout = settings.fetch_read_timeout
        # Its default retries wait 15 s, then 18 s, ...: an event is better retried by its queue.
        self._options: dict[str, Any] = {
            "connection_timeout": settings.fetch_connect_timeout,
            "read_timeout": settings.fetch_read_timeout,
            "retry_total": 2, "initial_backoff": 1, "increment_base": 2}
        self._services: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _container(self, ref: ObjectRef) -> Any:
        with self._lock:
            service = self._services.get(ref.account)
            if service is None:
                service = self._services[ref.account] = self._service(ref.account)
        return service.get_container_client(ref.bucket)

    def _service(self, account: str) -> Any:
        connection = os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "").strip()
        if connection:
            service = self._make.from_connection_string(connection, **self._options)
            if account and service.account_name != account:
                raise errors.StorageForbidden(
                    f"the blob is in account {errors.shown(account)}, but "
                    f"AZURE_STORAGE_CONNECTION_STRING is for {service.account_name}")
            return service
        from azure.identity import DefaultAzureCredential

        return self._make(f"https://{account}{AZURE_BLOB_SUFFIX}",
                          credential=DefaultAzureCredential(), **self._options)

    def read(self, ref: ObjectRef, max_bytes: int, deadline: float) -> Blob:
        left = time_left(deadline, self._timeout)
        try:
            client = self._container(ref).get_blob_client(ref.key)
            stream = client.download_blob(version_id=ref.version, timeout=max(1, round(left)))
            too_large(stream.size, max_bytes)
            data: bytes = stream.readall()
        except self._failures as exc:
            raise translated(exc, ref) from exc
        too_large(len(data), max_bytes)
        props = stream.properties
        identity = {"version": getattr(props, "version_id", None) or ref.version,
                    "etag": bare_etag(props.etag) or ref.etag}
        return Blob(data, ref.child(ref.key, **identity))

    def write(self, ref: ObjectRef, body: bytes, content_type: str) -> None:
        from azure.storage.blob import ContentSettings

        try:
            self._container(ref).upload_blob(
                ref.key, body, overwrite=True, timeout=max(1, round(self._timeout)),
                content_settings=ContentSettings(content_type=content_type))
        except self._failures as exc:
            raise translated(exc, ref) from exc

    def list(self, prefix: ObjectRef) -> Iterator[ObjectRef]:
        try:
            for item in self._container(prefix).list_blobs(name_starts_with=prefix.key):
                yield prefix.child(item.name, etag=bare_etag(item.etag))
        except self._failures as exc:
            raise translated(exc, prefix) from exc
