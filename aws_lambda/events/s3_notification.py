"""S3 event notifications: ``{"Records": [{"eventSource": "aws:s3", "eventName":
"ObjectCreated:Put", "s3": {"bucket": {"name"}, "object": {"key", "eTag", "versionId"}}}]}``,
as S3 invokes a function directly and as the body of each SQS message it sends to a queue.

Keys arrive URL-encoded, spaces as ``+`` (``my+photo.jpg`` is ``my photo.jpg``; a real ``+``
is ``%2B``). Only ``ObjectCreated:*`` records name an image to classify; S3's
``s3:TestEvent`` (sent once when a notification to a queue is configured) names none. Nothing
here imports the jobs core: ``objects`` builds plain tuples the adapter turns into objects.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import unquote_plus


class Created(NamedTuple):
    """One created object an event names: bucket, key (decoded), version id and ETag."""

    bucket: str
    key: str
    version: str | None
    etag: str | None


def matches(event: Any) -> bool:
    """An S3 notification: records whose source is ``aws:s3``."""
    records = event.get("Records") if isinstance(event, dict) else None
    return (isinstance(records, list) and bool(records) and isinstance(records[0], dict)
            and records[0].get("eventSource") == "aws:s3")


def is_test_event(event: Any) -> bool:
    """S3's ``s3:TestEvent``: it names no object."""
    return isinstance(event, dict) and event.get("Event") == "s3:TestEvent"


def objects(event: Any) -> list[Created]:
    """The created objects of every ``ObjectCreated:*`` record (other records are skipped;
    a record without a bucket or key raises ValueError)."""
    out: list[Created] = []
    for record in event.get("Records") or []:
        name = str(record.get("eventName", "")) if isinstance(record, dict) else ""
        if not name.removeprefix("s3:").startswith("ObjectCreated:"):
            continue
        s3 = record.get("s3") or {}
        bucket = (s3.get("bucket") or {}).get("name")
        item = s3.get("object") or {}
        key = item.get("key")
        if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
            raise ValueError("an ObjectCreated record without a bucket name or object key")
        out.append(Created(bucket, unquote_plus(key), _text(item.get("versionId")),
                           _text(item.get("eTag"))))
    return out


def _text(value: Any) -> str | None:
    return str(value).strip('"') if value else None
