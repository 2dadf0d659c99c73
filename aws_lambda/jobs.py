"""Storage and queue events: classify each object they name and write its result.

Imported by the handler on the first such event only, so the HTTP path never loads the jobs
core or boto3. Three shapes (``aws_lambda.events``): S3 notifications and EventBridge "Object
Created" events, invoked asynchronously, and SQS batches.

* Async events (S3, EventBridge): a transient failure (throttling, storage errors, the
  deadline) raises ``RetryLater``, a function error, so Lambda's own async retries deliver the
  event again (results are idempotent: the same object is rewritten). The return value is a
  count of outcomes, which Lambda drops.
* SQS: only transient failures come back in ``batchItemFailures``; an image that never
  classifies gets an error result and its message is deleted. A record starts only while
  twice LAMBDA_DEADLINE_MARGIN_MS is left; the ones that do not are reported as failures, so
  they return to the queue instead of being lost when the time runs out.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

from aws_lambda.events import eventbridge, s3_notification, sqs
from aws_lambda.events.common import request_id
from core import errors
from core.api.deadline import request_deadline
from core.api.service import Service
from core.jobs.objects import ObjectRef
from core.jobs.runner import Outcome, Runner, runner_for
from core.telemetry.request_log import log_json


class RetryLater(Exception):
    """Some object of an async event failed for a transient reason: Lambda retries it."""


def handle_storage_event(service: Service, event: Any, context: Any) -> Any:
    """The invocation's answer for a storage or queue event."""
    if sqs.matches(event):
        return _sqs(service, event, context)
    shape = eventbridge if eventbridge.matches(event) else s3_notification
    runner = runner_for(service.pipeline)  # ConfigError without RESULTS_URI: retried, then dropped
    try:
        refs = _refs(shape.objects(event))
    except ValueError as exc:  # names no object: nothing to retry
        log_json(logging.WARNING, "bad_event", error="invalid_field", message=str(exc),
                 **_fields(context))
        return {"bad_event": 1}
    outcomes = [runner.classify_object(ref, _deadline(service, context), _fields(context))
                for ref in refs]
    counts = Counter(outcome.status for outcome in outcomes)
    if counts["retry"]:
        raise RetryLater(f"{counts['retry']} of {len(outcomes)} objects failed for a "
                         "transient reason; the event is retried")
    return dict(counts)


def _sqs(service: Service, event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    messages = sqs.messages(event)
    try:
        runner = runner_for(service.pipeline)
    except errors.ConfigError as exc:  # every message stays on the queue, for the DLQ
        log_json(logging.ERROR, "event_config", error=str(exc), requestId=request_id(context))
        return sqs.failures([m.message_id for m in messages])
    margin = service.settings.lambda_deadline_margin_ms / 1000
    failed: list[str] = []
    for index, message in enumerate(messages):
        deadline = _deadline(service, context)
        if deadline - time.monotonic() < margin:
            left = [m.message_id for m in messages[index:]]
            log_json(logging.WARNING, "batch_cut", requestId=request_id(context),
                     unprocessed=len(left), message="near the time limit: returned to the queue")
            failed.extend(left)
            break
        if _message(runner, message, deadline, context) == "retry":
            failed.append(message.message_id)
    return sqs.failures(failed)


def _message(runner: Runner, message: sqs.Message, deadline: float, context: Any) -> str:
    """``retry`` when the message must come back, else ``done``."""
    fields = {**_fields(context), "messageId": message.message_id}
    try:
        body = json.loads(message.body)
    except ValueError:
        body = message.body  # the runner answers it: not JSON, an error logged, not retried
    if s3_notification.is_test_event(body):
        return "done"
    outcomes: list[Outcome]
    if s3_notification.matches(body):
        try:
            refs = _refs(s3_notification.objects(body))
        except ValueError as exc:
            log_json(logging.WARNING, "bad_event", error="invalid_field", message=str(exc),
                     **fields)
            return "done"
        outcomes = [runner.classify_object(ref, deadline, fields) for ref in refs]
    else:
        outcomes = [runner.classify_message(body, deadline, fields)]
    return "retry" if any(o.status == "retry" for o in outcomes) else "done"


def _refs(created: list[s3_notification.Created]) -> list[ObjectRef]:
    return [ObjectRef("s3", c.bucket, c.key, version=c.version, etag=c.etag) for c in created]


def _deadline(service: Service, context: Any) -> float:
    """The deadline for the next object: what Lambda leaves, less LAMBDA_DEADLINE_MARGIN_MS."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    left = float(remaining()) if callable(remaining) else None
    return request_deadline(service.settings, time.monotonic(), "aws_lambda", left)


def _fields(context: Any) -> dict[str, object]:
    rid = request_id(context)
    return {"requestId": rid} if rid else {}
