"""Where each classified object's result goes, and what it holds.

A result's key is derived from the source alone (its store, bucket, key, and version or ETag),
so a redelivered event rewrites the same object: one result per content, however often the
event arrives. Results sit under ``RESULTS_URI``; the loop guard (``is_result``) never
classifies anything under that prefix, or anything named like a result, so a results prefix
inside a watched one cannot feed itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from core import errors
from core.config import Settings
from core.jobs.objects import ObjectRef, parse_object_uri

RESULT_SUFFIX = ".result.json"
CONTENT_TYPE = "application/json"
MAX_KEY_BYTES = 900  # S3 and GCS allow 1024 bytes, Azure 1024 characters
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Results:
    """The results prefix (``base.key`` is "" or ends in "/")."""

    base: ObjectRef

    @classmethod
    def from_settings(cls, settings: Settings) -> Results:
        """The settings' ``RESULTS_URI``; ConfigError when it is empty or names no prefix."""
        uri = settings.results_uri.strip()
        if not uri:
            raise errors.ConfigError("RESULTS_URI is not set: classifying stored objects "
                                     "needs somewhere to write each result")
        try:
            base = parse_object_uri(uri, "RESULTS_URI")
        except errors.BadRequest as exc:
            raise errors.ConfigError(exc.message) from exc
        if base.store == "url":
            raise errors.ConfigError(f"RESULTS_URI cannot be a plain URL, got {uri[:100]!r}")
        key = base.key if base.key.endswith("/") or not base.key else base.key + "/"
        return cls(ObjectRef(base.store, base.bucket, key, account=base.account))

    def result_ref(self, source: ObjectRef) -> ObjectRef:
        """The result object of ``source``: the same source content, the same key."""
        if source.store == "url":
            name = "urls/" + hashlib.sha256(source.key.encode("utf-8")).hexdigest()[:40]
        else:
            where = f"{source.account}/{source.bucket}" if source.account else source.bucket
            name = f"{where}/{source.key}".lstrip("/")
            tag = _UNSAFE.sub("_", source.tag)[:128] if source.tag else "untagged"
            name = f"{name}.{tag}"
        key = self.base.key + name + RESULT_SUFFIX
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
            key = f"{self.base.key}long/{digest}{RESULT_SUFFIX}"
        return self.base.child(key)

    def is_result(self, source: ObjectRef) -> bool:
        """The loop guard: ``source`` is under the results prefix, or named like a result."""
        if source.key.endswith(RESULT_SUFFIX):
            return True
        same_place = (source.store, source.bucket, source.account) == (
            self.base.store, self.base.bucket, self.base.account)
        return same_place and source.key.startswith(self.base.key)


def source_json(source: ObjectRef) -> dict[str, Any]:
    """The source as a result names it (a URL without its query, which may be a secret)."""
    if source.store == "url":
        parts = urlsplit(source.key)
        return {"uri": f"{parts.scheme}://{parts.netloc}{parts.path}"}
    out: dict[str, Any] = {"uri": source.uri, "store": source.store, "bucket": source.bucket,
                           "key": source.key}
    if source.account:
        out["account"] = source.account
    if source.version:
        out["version"] = source.version
    if source.etag:
        out["etag"] = source.etag
    return out


def record(source: ObjectRef, model: dict[str, Any], scores: dict[str, float] | None = None,
           error: errors.ServiceError | None = None, now: datetime | None = None
           ) -> dict[str, Any]:
    """The JSON result: source, model (name, version, sha256), time (ISO 8601, UTC) and
    either the ``{label: score}`` object ``/predict`` answers or the error's code and
    message (its status too)."""
    when = (now or datetime.now(UTC)).isoformat(timespec="milliseconds")
    out: dict[str, Any] = {"source": source_json(source), "model": model,
                           "time": when.replace("+00:00", "Z")}
    if error is not None:
        out["error"] = {**error.to_json()["error"], "status": error.status}
    else:
        out["scores"] = scores if scores is not None else {}
    return out
