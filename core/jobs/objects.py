"""Where a stored object lives: ``ObjectRef`` and ``parse_object_uri``.

One shape for every store: ``s3`` (bucket, key), ``gs`` (bucket, object name), ``azure``
(account, container as ``bucket``, blob name as ``key``), ``file`` (a local path as ``key``)
and ``url`` (an image URL as ``key``, fetched under the URL policy like ``/predict``'s). The
``version`` is the store's own version (S3 VersionId, GCS generation, Azure version id); the
``etag`` its entity tag, without quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from core import errors

AZURE_BLOB_SUFFIX = ".blob.core.windows.net"
STORES = ("s3", "gs", "azure", "file", "url")


@dataclass(frozen=True)
class ObjectRef:
    """One stored object (or, with a key ending in ``/``, a prefix of them)."""

    store: str
    bucket: str
    key: str
    version: str | None = None
    etag: str | None = None
    account: str = ""

    @property
    def uri(self) -> str:
        """``s3://b/k``, ``gs://b/k``, ``https://ACCOUNT.blob.core.windows.net/c/k``, the
        file's path or the URL."""
        if self.store in ("s3", "gs"):
            return f"{self.store}://{self.bucket}/{self.key}"
        if self.store == "azure":
            return f"https://{self.account}{AZURE_BLOB_SUFFIX}/{self.bucket}/{quote(self.key)}"
        return self.key

    @property
    def tag(self) -> str | None:
        """What tells this content from another under the same key: the version, else the
        ETag (None when neither is known yet)."""
        return self.version or self.etag

    def child(self, key: str, **identity: str | None) -> ObjectRef:
        """The object ``key`` in the same bucket (or container) and store."""
        return ObjectRef(self.store, self.bucket, key, account=self.account,
                         version=identity.get("version"), etag=identity.get("etag"))


def bare_etag(value: object) -> str | None:
    """An ETag without its quotes (S3 and Azure quote it), None when absent."""
    text = str(value or "").strip().strip('"')
    return text or None


def parse_object_uri(text: str, what: str = "the object URI") -> ObjectRef:
    """The object (or prefix) ``text`` names; BadRequest naming ``what`` and the value when it
    names none. A path without a scheme is a local file."""
    value = text.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("s3", "gs"):
        if not parts.netloc:
            raise errors.BadRequest(f"{what} {errors.shown(value)} has no bucket "
                                    f"({scheme}://BUCKET/KEY)")
        return ObjectRef(scheme, parts.netloc, parts.path.lstrip("/"))
    if scheme == "https" and (parts.hostname or "").lower().endswith(AZURE_BLOB_SUFFIX):
        container, _, blob = unquote(parts.path).lstrip("/").partition("/")
        if not container:
            raise errors.BadRequest(f"{what} {errors.shown(value)} names no container "
                                    f"(https://ACCOUNT{AZURE_BLOB_SUFFIX}/CONTAINER/BLOB)")
        account = (parts.hostname or "").lower().removesuffix(AZURE_BLOB_SUFFIX)
        return ObjectRef("azure", container, blob, account=account)
    if scheme in ("http", "https"):
        return ObjectRef("url", parts.hostname or "", value)
    if scheme in ("", "file") and value:
        path = unquote(parts.path) if scheme == "file" else value
        return ObjectRef("file", "", str(Path(path)) + ("/" if path.endswith("/") else ""))
    raise errors.BadRequest(f"{what} must be s3://, gs://, https://ACCOUNT{AZURE_BLOB_SUFFIX}/"
                            f", an http(s) URL or a path; got {errors.shown(value)}")
