"""Google Cloud Storage through google-cloud-storage (``STORAGE_EMULATOR_HOST`` points it at
another server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from core import errors
from core.config import Settings
from core.jobs.objects import ObjectRef
from core.jobs.stores.common import Blob, time_left, too_large


def translated(exc: Exception, ref: ObjectRef) -> errors.ServiceError:
    """The service error for a google-cloud-storage failure on ``ref``."""
    from google.api_core import exceptions as gax

    shown = errors.shown(ref.uri, 200)
    if isinstance(exc, gax.NotFound):
        return errors.ObjectNotFound(f"{shown} does not exist")
    code = getattr(exc, "code", None)
    if isinstance(exc, gax.GoogleAPICallError) and isinstance(code, int) and \
            400 <= code < 500 and code not in (408, 429):
        return errors.StorageForbidden(f"Cloud Storage refused {shown} (HTTP {code})")
    return errors.StorageUnavailable(f"Cloud Storage failed for {shown} "
                                     f"({code or type(exc).__name__})")


class GcsStore:
    """Objects in Cloud Storage buckets, with the function's service account."""

    def __init__(self, settings: Settings) -> None:
        import requests
        from google.api_core import exceptions as gax
        from google.auth.exceptions import GoogleAuthError
        from google.cloud import storage
        from google.cloud.storage.retry import DEFAULT_RETRY

        self._failures: tuple[type[Exception], ...] = (
            gax.GoogleAPIError, GoogleAuthError, requests.RequestException)
        self._timeout = (settings.fetch_connect_timeout, settings.fetch_read_timeout)
        self._retry = DEFAULT_RETRY.with_timeout(settings.fetch_read_timeout * 3)
        self._client: Any = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT"))

    def read(self, ref: ObjectRef, max_bytes: int, deadline: float) -> Blob:
        left = time_left(deadline, self._timeout[1])
        generation = int(ref.version) if ref.version and ref.version.isdigit() else None
        try:
            blob = self._client.bucket(ref.bucket).get_blob(
                ref.key, generation=generation, timeout=(self._timeout[0], left),
                retry=self._retry)
            if blob is None:
                raise errors.ObjectNotFound(f"{errors.shown(ref.uri, 200)} does not exist")
            too_large(blob.size, max_bytes)
            data: bytes = blob.download_as_bytes(timeout=(self._timeout[0], left),
                                                 retry=self._retry)
        except self._failures as exc:
            raise translated(exc, ref) from exc
        too_large(len(data), max_bytes)
        identity = {"version": str(blob.generation) if blob.generation else ref.version,
                    "etag": blob.etag or blob.md5_hash or blob.crc32c or ref.etag}
        return Blob(data, ref.child(ref.key, **identity))

    def write(self, ref: ObjectRef, body: bytes, content_type: str) -> None:
        try:
            self._client.bucket(ref.bucket).blob(ref.key).upload_from_string(
                body, content_type=content_type, timeout=self._timeout, retry=self._retry)
        except self._failures as exc:
            raise translated(exc, ref) from exc

    def list(self, prefix: ObjectRef) -> Iterator[ObjectRef]:
        try:
            for blob in self._client.list_blobs(prefix.bucket, prefix=prefix.key,
                                                timeout=self._timeout, retry=self._retry):
                yield prefix.child(blob.name, etag=blob.etag)
        except self._failures as exc:
            raise translated(exc, prefix) from exc
