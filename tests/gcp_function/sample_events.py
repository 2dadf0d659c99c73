"""CloudEvents as Eventarc delivers them to a function, in HTTP binary content mode: the
attributes as ``ce-*`` headers and the data as the JSON body. The event shapes are the sample
files in events/ (Google's StorageObjectData and MessagePublishedData), their placeholders
filled from the object a test uploaded or the message it publishes."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent / "events"


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` with every ``__NAME__`` in its strings replaced by ``values[NAME]``."""
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, str):
        for name, text in values.items():
            value = value.replace(f"__{name}__", text)
    return value


def binary_mode(name: str, values: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The headers and body of the sample event ``name`` with ``values`` filled in."""
    sample = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    event = fill({"attributes": sample["attributes"], "data": sample["data"]},
                 {"ID": uuid.uuid4().hex, **values})
    headers = {f"ce-{k}": v for k, v in event["attributes"].items()}
    headers["Content-Type"] = "application/json"
    return headers, json.dumps(event["data"]).encode()


def storage_finalized(blob: Any) -> tuple[dict[str, str], bytes]:
    """The ``google.cloud.storage.object.v1.finalized`` event of a google-cloud-storage
    ``Blob`` (after upload or reload: its generation, etag, size and hashes are known)."""
    return binary_mode("storage_object_finalized.json", {
        "BUCKET": blob.bucket.name, "NAME": blob.name, "GENERATION": str(blob.generation),
        "SIZE": str(blob.size), "MD5": blob.md5_hash or "", "CRC32C": blob.crc32c or "",
        "ETAG": blob.etag or ""})


def pubsub_published(payload: bytes, attributes: dict[str, str] | None = None
                     ) -> tuple[dict[str, str], bytes]:
    """The ``google.cloud.pubsub.topic.v1.messagePublished`` event of one message."""
    headers, body = binary_mode("pubsub_message_published.json",
                                {"DATA": base64.b64encode(payload).decode()})
    data = json.loads(body)
    data["message"]["attributes"] = attributes or {}
    return headers, json.dumps(data).encode()


def storage_notification(blob: Any, payload: bool = True) -> tuple[dict[str, str], bytes]:
    """Cloud Storage's own Pub/Sub notification of ``blob`` (the event in the attributes;
    payload format JSON_API_V1, the object resource as data, or NONE), as a messagePublished
    event."""
    _, resource = storage_finalized(blob)
    return pubsub_published(resource if payload else b"", {
        "eventType": "OBJECT_FINALIZE", "payloadFormat": "JSON_API_V1" if payload else "NONE",
        "bucketId": blob.bucket.name, "objectId": blob.name,
        "objectGeneration": str(blob.generation),
        "notificationConfig": f"projects/_/buckets/{blob.bucket.name}/notificationConfigs/1"})
