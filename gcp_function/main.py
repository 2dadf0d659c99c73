"""Google Cloud Functions (gen2) entry points: translate Flask and CloudEvents to the core.

``predict`` (``--entry-point predict``) answers every HTTP route (``/predict``, ``/health``,
``/model``): the core resolves paths. ``classify_event`` (``--entry-point classify_event``) is
the event function: a Cloud Storage object finalized, or a Pub/Sub message naming an image, is
classified and its result written under ``RESULTS_URI``. Both share one module, so one bundle
backs either function and the model loads once per instance. Tests may replace ``service``.
The ``cold_start`` line's ``imports_ms`` runs from this module's first statement to the
service's creation: the framework's own start, before it imports this file, is not in it.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the imports below are the init line's imports_ms

import base64  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import IO, TYPE_CHECKING  # noqa: E402

import flask  # noqa: E402
import functions_framework  # noqa: E402
from cloudevents.http import CloudEvent  # noqa: E402

from core.startup import InitPhase  # noqa: E402

if TYPE_CHECKING:  # the jobs core loads on the first event, never on the HTTP path
    from core.jobs.objects import ObjectRef
    from core.jobs.runner import Outcome, Runner

with InitPhase():  # numpy and Pillow imported first, the collector paused until init ends
    from core import errors
    from core.api.deadline import request_deadline
    from core.api.service import Service, default_service, last_resort
    from core.messages import (
        Invocation,
        Request,
        Response,
        lower_headers,
        parse_query,
        read_upto,
    )
    from core.telemetry.request_log import log_json, on_platform

    on_platform("gcp")  # non-request lines carry Cloud Logging's severity too
    service: Service = default_service()
    service.init["imports_ms"] = round((time.perf_counter() - _STARTED) * 1000, 1)
    service.warm()  # the model loads during the instance's start, not on the first request


def to_core(request: flask.Request, body: bytes, started: float) -> Request:
    """The core request for a Flask request whose body was already read, received at
    ``started`` (monotonic): its deadline is REQUEST_DEADLINE_SECONDS from then, as the
    function's own timeout is not visible here.

    The framework gives each request a ``Function-Execution-Id`` header (the platform's, or one
    it makes); trace headers stay in ``headers`` for the core to read.
    """
    headers = lower_headers(dict(request.headers.items()))
    return Request(method=request.method.upper(), path=request.path or "/", headers=headers,
                   query=parse_query(request.query_string.decode("latin-1")), body=body,
                   deadline=request_deadline(service.settings, started, "gcp"),
                   invocation=Invocation(platform="gcp",
                                         invocation_id=headers.get("function-execution-id")))


def to_flask(response: Response) -> flask.Response:
    """The Flask response carrying the core response's status, headers and bytes."""
    result = flask.Response(response.body, status=response.status)
    if "Content-Type" not in response.headers:
        del result.headers["Content-Type"]  # no body type (e.g. 204): don't invent text/html
    for name, value in response.headers.items():
        result.headers[name] = value
    return result


def too_large(limit: int) -> errors.PayloadTooLarge:
    """The core's error for a body over MAX_BODY_BYTES (the same message the core uses)."""
    return errors.PayloadTooLarge.body(limit)


def read_body(request: flask.Request, limit: int) -> bytes:
    """The body, refused (413) before reading when its Content-Length is over ``limit``, and
    (400) when it ends before that length, as the core's WSGI app refuses them."""
    length = request.content_length
    if length is None:  # chunked: read at most limit + 1 bytes
        return read_stream(request.stream, limit)
    if length > limit:
        raise too_large(limit)
    environ = request.environ
    body = read_upto(environ["wsgi.input"], length)
    # the framework drains the request after answering: it finds the bytes read here, all of them
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    if len(body) < length:
        raise errors.BadRequest(f"the request body ended after {len(body)} of its {length} "
                                "bytes")
    return body


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """A stream of unknown length, refused as soon as it passes ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


@functions_framework.http
def predict(request: flask.Request) -> flask.Response:
    """Answer any route of the API (the name is the deployed entry point); never raises."""
    try:
        return answer(request)
    except Exception as exc:  # a fault of this adapter's own translation: still a JSON 500
        return to_flask(last_resort(Request("POST", "/"), exc))


def answer(request: flask.Request) -> flask.Response:
    """The core's answer to one Flask request, the body refused early when too large."""
    current, started = service, time.monotonic()
    try:
        body = read_body(request, current.settings.max_body_bytes)
    except errors.ServiceError as exc:  # too large, or cut short
        return to_flask(current.reject(to_core(request, b"", started), exc))
    return to_flask(current.handle(to_core(request, body, started)))


STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized"
PUBSUB_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
NOTIFICATION_FINALIZE = "OBJECT_FINALIZE"  # Cloud Storage's own Pub/Sub notifications


def runner() -> Runner:
    """The event function's runner on the module's service, made on the first event (a
    missing or malformed RESULTS_URI raises ConfigError there: the event is retried, not
    lost, once the setting is fixed)."""
    from core.jobs.runner import runner_for

    return runner_for(service.pipeline, "gcp")


@functions_framework.cloud_event
def classify_event(event: CloudEvent) -> None:
    """Classify what a Cloud Storage or Pub/Sub CloudEvent names and write its result under
    ``RESULTS_URI`` (the name is the event function's entry point). A transient failure
    (storage unavailable or throttled, out of time) raises, so the trigger delivers the event
    again when it retries; anything else returns: an image that can never be classified has
    its error result written, an event that names nothing is logged and dropped."""
    jobs = runner()
    deadline = request_deadline(jobs.settings, time.monotonic(), "gcp")
    log = {"platform": "gcp", "event_id": str(event["id"]), "event_type": str(event["type"])}
    try:
        outcome = on_event(jobs, event, deadline, log)
    except errors.ServiceError as exc:  # the event itself is malformed: no retry can help
        log_json(logging.WARNING, "object", **log, status="failed", error=exc.code,
                 message=exc.message)
        return
    if outcome.status == "retry" and outcome.error is not None:
        raise outcome.error


def on_event(jobs: Runner, event: CloudEvent, deadline: float,
             log: Mapping[str, object]) -> Outcome:
    """The outcome of one event, by its type."""
    kind, data = str(event["type"]), event.get_data()
    if kind == STORAGE_FINALIZED:
        return jobs.classify_object(storage_object(data), deadline, log)
    if kind == PUBSUB_PUBLISHED:
        return on_message(jobs, data, deadline, log)
    raise errors.InvalidField(f"event type {errors.shown(kind)} is not one this function "
                              f"handles ({STORAGE_FINALIZED}, {PUBSUB_PUBLISHED})")


def storage_object(data: object) -> ObjectRef:
    """The object a Cloud Storage event's data (StorageObjectData) names, with the generation
    and etag that tell this upload from a later one under the same name."""
    from core.jobs.objects import ObjectRef

    fields = data if isinstance(data, dict) else {}
    bucket, name = fields.get("bucket"), fields.get("name")
    if not (isinstance(bucket, str) and bucket and isinstance(name, str) and name):
        raise errors.InvalidField("a Cloud Storage event's data must name its bucket and its "
                                  "object (bucket, name)")
    generation, etag = fields.get("generation"), fields.get("etag")
    return ObjectRef("gs", bucket, name,
                     version=str(generation) if isinstance(generation, (str, int)) else None,
                     etag=etag if isinstance(etag, str) else None)


def on_message(jobs: Runner, data: object, deadline: float,
               log: Mapping[str, object]) -> Outcome:
    """A Pub/Sub message: Cloud Storage's own notification of a finalized object (its
    attributes name it, whatever the payload format), or a JSON message naming an image
    (``{"url": ...}`` or ``{"bucket": ..., "key": ...}``)."""
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise errors.InvalidField("a Pub/Sub event's data must hold its message")
    attributes = message.get("attributes")
    notice = attributes if isinstance(attributes, dict) else {}
    if not ("bucketId" in notice and "objectId" in notice and "eventType" in notice):
        return jobs.classify_message(message_body(message.get("data")), deadline, log)
    if notice["eventType"] != NOTIFICATION_FINALIZE:
        raise errors.InvalidField(f"Cloud Storage notification {errors.shown(notice['eventType'])}"
                                  f" names no new object (only {NOTIFICATION_FINALIZE} does)")
    return jobs.classify_object(storage_object({
        "bucket": notice["bucketId"], "name": notice["objectId"],
        "generation": notice.get("objectGeneration")}), deadline, log)


def message_body(data: object) -> object:
    """A Pub/Sub message's data: base64 of a JSON document."""
    try:
        return json.loads(base64.b64decode(data if isinstance(data, str) else "", validate=True))
    except ValueError as exc:  # binascii.Error and JSONDecodeError are ValueErrors
        raise errors.InvalidJSON("a Pub/Sub message's data must be the base64 of a JSON "
                                 "document") from exc
