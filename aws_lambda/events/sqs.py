"""SQS events: ``{"Records": [{"eventSource": "aws:sqs", "messageId", "body", ...}]}``.

Each body is an S3 notification (the queue is a bucket's notification target), S3's test
event, or a message naming an image (``{"url": ...}``, ``{"bucket": ..., "key": ...}``). The
answer is ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` (the event source
mapping's ``ReportBatchItemFailures``): only those messages return to the queue.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Message(NamedTuple):
    """One record: its id and its body as sent."""

    message_id: str
    body: str


def matches(event: Any) -> bool:
    """An SQS event: records whose source is ``aws:sqs``."""
    records = event.get("Records") if isinstance(event, dict) else None
    return (isinstance(records, list) and bool(records) and isinstance(records[0], dict)
            and records[0].get("eventSource") == "aws:sqs")


def messages(event: Any) -> list[Message]:
    """Every record's id and body (a record without an id cannot be reported; it is left out
    only if it also has no body)."""
    out: list[Message] = []
    for record in event.get("Records") or []:
        if isinstance(record, dict):
            out.append(Message(str(record.get("messageId") or ""), str(record.get("body") or "")))
    return out


def failures(ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The partial batch response: the messages to deliver again."""
    return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
