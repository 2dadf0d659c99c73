"""Event shapes, tried in a fixed order; the first whose ``matches`` is true translates.

Each module exposes ``matches(event)``, ``to_request(event, context)``,
``from_response(response, event)`` and ``TIME_LIMIT_MS`` (the front door's own time limit, or
None), like mangum's ``handlers/``. ``direct`` matches anything, so it comes last. The storage
and queue shapes (``s3_notification``, ``eventbridge``, ``sqs``) expose ``matches`` and what
the event names instead: they carry objects to classify, not a request, and are tried first
(imported by the first event that may be one).
"""

from __future__ import annotations

from typing import Any, Protocol

from aws_lambda.events import alb, apigw_rest, direct, http_v2
from core.messages import Request, Response


class Shape(Protocol):
    """What every event-shape module provides."""

    TIME_LIMIT_MS: int | None

    def matches(self, event: Any) -> bool: ...  # pragma: no cover - protocol

    def to_request(self, event: Any, context: Any) -> Request: ...  # pragma: no cover

    def from_response(self, response: Response, event: Any) -> Any: ...  # pragma: no cover


SHAPES: tuple[Shape, ...] = (alb, http_v2, apigw_rest, direct)


def is_storage_event(event: Any) -> bool:
    """An S3 notification, an EventBridge S3 event or an SQS batch: objects to classify, not
    a request (``aws_lambda.jobs`` answers them).

    Each storage shape needs ``Records`` or ``source``: an event with neither (every HTTP and
    direct invocation) is answered without importing their modules."""
    if not isinstance(event, dict) or ("Records" not in event and "source" not in event):
        return False
    from aws_lambda.events import eventbridge, s3_notification, sqs

    return s3_notification.matches(event) or eventbridge.matches(event) or sqs.matches(event)


def find_shape(event: Any) -> Shape:
    """The first shape that recognises ``event`` (``direct`` when no HTTP shape does)."""
    for shape in SHAPES:
        if shape.matches(event):
            return shape
    return direct  # pragma: no cover - direct matches everything
