"""Azure Functions entry point (Python v2 programming model): translates to the core and back.

Routes: POST /api/predict, GET /api/health, GET /api/model, and a catch-all so any other path or
method gets the core's JSON 404/405 instead of the host's empty one. ``classify_blob`` is an
Event Grid trigger: each ``Microsoft.Storage.BlobCreated`` event's blob is classified and its
result written under ``RESULTS_URI``. Tests may replace ``service``. The ``cold_start`` line's
``imports_ms`` runs from this module's first statement to the service's creation: the Python
worker's own start, before it imports this file, is not in it.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the imports below are the init line's imports_ms

import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402
from urllib.parse import unquote, urlsplit  # noqa: E402

import azure.functions as func  # noqa: E402

from core.errors import ConfigError  # noqa: E402
from core.startup import InitPhase  # noqa: E402

if TYPE_CHECKING:  # the jobs core loads on the first event, never on the HTTP path
    from core.jobs.objects import ObjectRef
    from core.jobs.runner import Runner

AUTH_LEVELS = {"anonymous": func.AuthLevel.ANONYMOUS, "function": func.AuthLevel.FUNCTION,
               "admin": func.AuthLevel.ADMIN}
ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def auth_level(environ: Mapping[str, str] = os.environ) -> func.AuthLevel:
    """AZURE_AUTH_LEVEL (anonymous, function or admin); function when unset, so a deployed
    app answers only callers with a function key until the operator opts into anonymous."""
    raw = environ.get("AZURE_AUTH_LEVEL", "").strip().lower() or "function"
    if raw not in AUTH_LEVELS:
        raise ConfigError(f"AZURE_AUTH_LEVEL must be anonymous, function or admin, got {raw!r}")
    return AUTH_LEVELS[raw]


def route_prefix(environ: Mapping[str, str] = os.environ) -> str:
    """AZURE_ROUTE_PREFIX: host.json's extensions.http.routePrefix ("api" unless changed)."""
    return environ.get("AZURE_ROUTE_PREFIX", "api").strip().strip("/")


def strip_prefix(path: str, prefix: str) -> str:
    """The path the core routes: ``/api/predict`` -> ``/predict``, ``/api/`` -> ``/``."""
    head = f"/{prefix}" if prefix else ""
    if head and (path == head or path.startswith(head + "/")):
        return path[len(head):] or "/"
    return path or "/"


ROUTE_PREFIX = route_prefix()
with InitPhase():  # numpy and Pillow imported first, the collector paused until init ends
    from core import errors
    from core.api.deadline import request_deadline
    from core.api.service import Service, default_service, last_resort
    from core.messages import Invocation, Request, Response, lower_headers
    from core.telemetry.request_log import log_json

    service: Service = default_service()
    service.init["imports_ms"] = round((time.perf_counter() - _STARTED) * 1000, 1)
    service.warm()  # the model loads while the worker indexes the app, not on the first request

app = func.FunctionApp(http_auth_level=auth_level())


def to_core(req: func.HttpRequest, started: float, context: func.Context | None = None
            ) -> Request:
    """The core request for an Azure request; the deadline leaves time to answer cleanly."""
    return Request(method=req.method.upper(),
                   path=strip_prefix(unquote(url_path(req.url)), ROUTE_PREFIX),
                   headers=lower_headers(dict(req.headers.items())), query=dict(req.params),
                   body=req.get_body() or b"",
                   deadline=request_deadline(service.settings, started, "azure"),
                   invocation=invocation(context))


def url_path(url: str) -> str:
    """The URL's path; a URL that cannot be parsed (``http://[::1/``) is a 400."""
    try:
        return urlsplit(url).path
    except ValueError as exc:
        raise errors.InvalidField("the request URL cannot be parsed") from exc


def invocation(context: func.Context | None) -> Invocation:
    """The invocation id and W3C trace parent the worker hands each invocation."""
    if context is None:
        return Invocation(platform="azure")
    trace_context = getattr(context, "trace_context", None)
    parent = getattr(trace_context, "trace_parent", None)
    return Invocation(platform="azure", invocation_id=context.invocation_id or None,
                      traceparent=parent if isinstance(parent, str) else None,
                      function_name=context.function_name or None)


def to_azure(response: Response) -> func.HttpResponse:
    """The Azure response carrying the core response's status, headers and bytes."""
    return func.HttpResponse(body=response.body, status_code=response.status,
                             headers=dict(response.headers),
                             mimetype=response.content_type or None)


def answer(req: func.HttpRequest, context: func.Context | None = None) -> func.HttpResponse:
    """Every route's body: the core decides (including 404 and 405)."""
    started = time.monotonic()
    try:
        try:
            request = to_core(req, started, context)
        except errors.ServiceError as exc:
            return to_azure(service.reject(Request(str(req.method).upper(), "/"), exc))
        return to_azure(service.handle(request))
    except Exception as exc:  # a fault of this adapter's own translation: still a JSON 500
        return to_azure(last_resort(Request("POST", "/"), exc))


@app.function_name("predict")
@app.route(route="predict", methods=["POST", "OPTIONS"])
def predict(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """POST /api/predict: classify a URL, a base64 image, raw bytes, a form file or a batch."""
    return answer(req, context)


@app.function_name("health")
@app.route(route="health", methods=["GET", "OPTIONS"])
def health(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """GET /api/health: the model is loaded."""
    return answer(req, context)


@app.function_name("model")
@app.route(route="model", methods=["GET", "OPTIONS"])
def model(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """GET /api/model: the model's metadata."""
    return answer(req, context)


@app.function_name("fallback")
@app.route(route="{*path}", methods=list(ALL_METHODS))
def fallback(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Any other path or method: the core's JSON 404 or 405."""
    return answer(req, context)


BLOB_CREATED = "Microsoft.Storage.BlobCreated"
SUBJECT = re.compile(r"/blobServices/default/containers/(?P<container>[^/]+)/blobs/(?P<blob>.+)")
BLOB_HOST = ".blob.core.windows.net"
ACCOUNT = re.compile(r"/providers/Microsoft\.Storage/storageAccounts/(?P<account>[^/]+)$", re.I)
EMPTY_FILE_APIS = ("CreateFile",)  # Data Lake: the file's bytes come with a later FlushWithClose
def runner() -> Runner:
    """The event function's runner on the module's service, made on the first event (a
    missing or malformed RESULTS_URI raises ConfigError there: Event Grid delivers the event
    again, so it is not lost once the setting is fixed)."""
    from core.jobs.runner import runner_for

    return runner_for(service.pipeline, "azure")


@app.function_name("classify_blob")
@app.event_grid_trigger(arg_name="event")
def classify_blob(event: func.EventGridEvent, context: func.Context) -> None:
    """A blob was created: classify it and write its result under RESULTS_URI. A transient
    failure (storage unavailable or throttled, out of time) raises, so Event Grid delivers the
    event again; an image that can never be classified has its error result written, and an
    event that names no blob is logged and dropped."""
    jobs = runner()
    deadline = request_deadline(jobs.settings, time.monotonic(), "azure")
    log = {"platform": "azure", "event_id": event.id, "event_type": event.event_type,
           "InvocationId": context.invocation_id}
    try:
        source = created_blob(event)
    except errors.ServiceError as exc:  # the event itself names nothing: no retry can help
        log_json(logging.WARNING, "object", **log, status="failed", error=exc.code,
                 message=exc.message)
        return
    if source is None:
        log_json(logging.INFO, "object", **log, status="skipped")
        return
    outcome = jobs.classify_object(source, deadline, log)
    if outcome.status == "retry" and outcome.error is not None:
        raise outcome.error


def created_blob(event: func.EventGridEvent) -> ObjectRef | None:
    """The blob a BlobCreated event names (its container and name from the subject, its
    account from the topic, its ETag from the data); None for a Data Lake file created
    empty, whose content arrives with a later event."""
    from core.jobs.objects import ObjectRef, bare_etag

    if event.event_type != BLOB_CREATED:
        raise errors.InvalidField(f"event type {errors.shown(event.event_type)} is not "
                                  f"{BLOB_CREATED}")
    data = event.get_json()
    fields = data if isinstance(data, dict) else {}
    if fields.get("api") in EMPTY_FILE_APIS:
        return None
    subject = SUBJECT.fullmatch(event.subject or "")
    account = blob_account(event.topic or "", str(fields.get("url") or ""))
    if subject is None or not account:
        raise errors.InvalidField("a BlobCreated event must name its account (topic or url), "
                                  "container and blob (subject)")
    return ObjectRef("azure", subject["container"], subject["blob"],
                     etag=bare_etag(fields.get("eTag")), account=account)


def blob_account(topic: str, url: str) -> str:
    """The storage account: the topic's resource name, else the blob URL's host."""
    found = ACCOUNT.search(topic)
    if found:
        return found["account"].lower()
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL: no account from it
        return ""
    return host.removesuffix(BLOB_HOST) if host.endswith(BLOB_HOST) else ""
