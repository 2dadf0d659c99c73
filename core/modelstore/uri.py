"""``MODEL_URI``: which store holds the model, where, and how its neighbours are named."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from core.errors import ConfigError

AZURE_BLOB_SUFFIX = ".blob.core.windows.net"


@dataclass(frozen=True)
class ModelUri:
    """A parsed ``MODEL_URI``: the store (``s3``, ``gs``, ``azure``, ``https``), the bucket or
    container (the base URL for ``https``), the prefix folder and the model file's name."""

    store: str
    bucket: str
    prefix: str  # "" or "folder/" (keys and blob names use "/")
    name: str
    query: str = ""  # an https URL's query (a signature), reused for each neighbour
    account: str = ""  # the Azure storage account

    def key(self, name: str) -> str:
        """The object key or blob name of ``name`` beside the model."""
        return self.prefix + name

    def url(self, name: str) -> str:
        """For ``https``: the URL of ``name`` beside the model, with the model's query."""
        url = self.bucket + quote(self.key(name))
        return f"{url}?{self.query}" if self.query else url

    @property
    def shown(self) -> str:
        """The URI without its query: signed URLs carry secrets there."""
        if self.store == "https":
            return self.bucket + quote(self.key(self.name))
        if self.store == "azure":
            return f"https://{self.account}{AZURE_BLOB_SUFFIX}/{self.bucket}/{self.key(self.name)}"
        return f"{self.store}://{self.bucket}/{self.key(self.name)}"

    @property
    def cache_key(self) -> str:
        """A folder name for this model's copies: the same URI, the same folder."""
        return hashlib.sha256(self.shown.encode("utf-8")).hexdigest()[:16]


def _split(path: str, uri: str) -> tuple[str, str]:
    """``folder/sub/model.onnx`` -> (``folder/sub/``, ``model.onnx``)."""
    prefix, _, name = path.rpartition("/")
    if not name or name in (".", ".."):
        raise ConfigError(f"MODEL_URI {uri} does not name a model file (it ends in a '/')")
    return (prefix + "/" if prefix else ""), name


def parse_uri(uri: str) -> ModelUri:
    """The store and location of ``uri``; ConfigError when it names no model file."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    shown = f"{scheme}://{parts.netloc}{parts.path}"
    if scheme in ("s3", "gs"):
        if not parts.netloc:
            raise ConfigError(f"MODEL_URI {shown} has no bucket ({scheme}://BUCKET/KEY)")
        prefix, name = _split(parts.path.lstrip("/"), shown)
        return ModelUri(scheme, parts.netloc, prefix, name)
    if scheme != "https" or not parts.hostname:
        raise ConfigError("MODEL_URI must start with s3://, gs:// or https://, "
                          f"got {shown[:100]!r}")
    host = parts.hostname.lower()
    if host.endswith(AZURE_BLOB_SUFFIX) and not parts.query:
        container, _, blob = unquote(parts.path).lstrip("/").partition("/")
        if not container or not blob:
            raise ConfigError(f"MODEL_URI {shown} names no blob "
                              f"(https://ACCOUNT{AZURE_BLOB_SUFFIX}/CONTAINER/BLOB)")
        prefix, name = _split(blob, shown)
        return ModelUri("azure", container, prefix, name,
                        account=host.removesuffix(AZURE_BLOB_SUFFIX))
    prefix, name = _split(unquote(parts.path).lstrip("/"), shown)
    return ModelUri("https", f"https://{parts.netloc}/", prefix, name, query=parts.query)
