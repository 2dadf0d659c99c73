"""EventBridge's S3 "Object Created" events: ``{"source": "aws.s3", "detail-type": "Object
Created", "detail": {"bucket": {"name"}, "object": {"key", "etag", "version-id"}}}`` (the
bucket's EventBridge notifications on, and a rule targeting the function). Their keys are
URL-encoded like a notification's."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda.events.s3_notification import Created


def matches(event: Any) -> bool:
    """An EventBridge event from S3 that an object was created."""
    return (isinstance(event, dict) and event.get("source") == "aws.s3"
            and event.get("detail-type") == "Object Created")


def objects(event: Any) -> list[Created]:
    """The one object the event names (ValueError without a bucket or key)."""
    detail = event.get("detail") or {}
    bucket = (detail.get("bucket") or {}).get("name")
    item = detail.get("object") or {}
    key = item.get("key")
    if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
        raise ValueError("an Object Created event without a bucket name or object key")
    version, etag = item.get("version-id"), item.get("etag")
    return [Created(bucket, unquote_plus(key), str(version) if version else None,
                    str(etag).strip('"') if etag else None)]
