"""The HTTP-neutral service: ``handle(Request) -> Response``, used by every adapter.

Exceptions become responses here and nowhere else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from core import errors
from core.api.answer_headers import add_headers
from core.api.apikey import require_key
from core.api.deadline import request_deadline
from core.api.last_resort import last_resort as last_resort  # re-exported for the adapters
from core.api.model_loading import (
    classifier_from_settings,
    hash_fields,
    warn_if_assumed,
    warn_if_unlabelled,
)
from core.api.openinference.endpoints import OpenInference, is_v2
from core.api.predict_body import parse_predict
from core.api.request_fields import model_fields, request_fields
from core.api.router import Router
from core.config import Settings
from core.inference.classifier import Classifier
from core.messages import Request, Response, error_response, json_response
from core.pipeline.pool import LazyPool
from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings
from core.telemetry.init_log import log_init
from core.telemetry.request_log import configure, log_json, log_request

Handler = Callable[[Request, Timings], Response]
Observer = Callable[[dict[str, object]], None]  # told each request line's fields
NOT_SERVED = ("METRICS=prometheus is for the local and container server (python -m core "
              "serve); a function is not scraped, so GET /metrics is not served here and the "
              "setting counts as METRICS=on")


class Service:
    """Routes requests onto the model; loads the model once, lazily and thread-safely."""

    def __init__(self, settings: Settings | None = None,
                 classifier: Classifier | None = None) -> None:
        self.settings = settings or Settings.from_env()
        configure(self.settings.log_level, self.settings.log_format)
        self._classifier = classifier
        self._pipeline: Pipeline | None = None
        self._model_info: dict[str, object] | None = None  # for the log line, once loaded
        # the cold start's phases for its init line; an entry module adds its imports_ms
        self.init: dict[str, object] = {}
        self._lock = threading.Lock()
        self._pool = LazyPool(max_workers=8, thread_name_prefix="fetch")
        self._routes: dict[str, dict[str, Handler]] = {
            "/predict": {"POST": self._predict},
            "/health": {"GET": self._health},
            "/model": {"GET": self._model},
            "/": {"GET": self._page},
        }
        self._routes.update(OpenInference(lambda: self.pipeline, self.settings).routes())
        self._router = Router(self._routes)
        self._observers: list[Observer] = []
        self._unscraped = self.settings.prometheus  # said once if a function serves it

    def mount(self, route: str, methods: dict[str, Handler], observer: Observer) -> None:
        """Add a route, and an observer of every request's log fields (the server's
        ``GET /metrics``, core.api.metrics_endpoint); call before serving."""
        self._routes[route] = methods
        self._router = Router(self._routes)
        self._observers.append(observer)

    def serves(self, route: str) -> bool:
        """Whether ``route`` is one of the service's routes."""
        return route in self._routes

    @property
    def loaded(self) -> Classifier | None:
        """The model once it is loaded, else None (never loads it)."""
        return None if self._pipeline is None else self._pipeline.classifier

    @property
    def pipeline(self) -> Pipeline:
        """The model pipeline, created on first use (the cold start)."""
        if self._pipeline is None:
            with self._lock:
                if self._pipeline is None:
                    classifier = self._classifier or self._load_logged()
                    warn_if_unlabelled(classifier)
                    warn_if_assumed(classifier)
                    self._pipeline = Pipeline(self.settings, classifier, self._pool)
        return self._pipeline

    def _load_logged(self) -> Classifier:
        """The settings' model, and one ``model_loaded`` line timing the init's parts."""
        init: dict[str, object] = {}
        classifier = classifier_from_settings(self.settings, init)
        self.init.update(init)
        log_json(logging.INFO, "model_loaded", model=str(classifier.model_path), **self.init)
        return classifier

    def warm(self, inference: bool = False) -> None:
        """Load the model now (call at import time so it happens in the init phase); with
        ``inference``, also run one on a synthetic image, outside the request path."""
        pipeline = self.pipeline
        if inference:
            from core.pipeline.warmup import rehearse  # SnapStart's hook only

            rehearse(pipeline)

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises: a fault in the error path itself (an answer or
        a log line that cannot be written) still ends in a logged JSON 500."""
        started = time.perf_counter()
        try:
            return self._answer(request, started)
        except Exception as exc:
            return last_resort(request, exc)

    def _answer(self, request: Request, started: float) -> Response:
        if request.deadline is None:
            request = replace(request, deadline=request_deadline(
                self.settings, time.monotonic(), request.invocation.platform))
        timings = Timings()
        error: BaseException | None = None
        try:
            response = self._dispatch(request, timings)
        except errors.ServiceError as exc:
            error, response = exc, error_response(exc, flat=is_v2(request.path))
        except Exception as exc:
            error, response = exc, error_response(errors.InternalError("internal error"),
                                                  flat=is_v2(request.path))
        self._finish(request, response, timings)
        self._log(request, response, timings, error, time.perf_counter() - started)
        return response

    def reject(self, request: Request, error: errors.ServiceError) -> Response:
        """The answer to a request refused before its body was read (an oversized body).

        Adapters call this instead of building the error themselves, so the refusal carries
        the same headers (request id, CORS) and log line as any other answer.
        """
        response = error_response(error, flat=is_v2(request.path))
        timings = Timings()
        self._finish(request, response, timings)
        self._log(request, response, timings, error, 0.0)
        return response

    def _dispatch(self, request: Request, timings: Timings) -> Response:
        limit = self.settings.max_body_bytes
        if len(request.body) > limit:  # every route, as front ends that stream refuse it
            raise errors.PayloadTooLarge.body(limit)
        if request.method != "OPTIONS":  # a CORS preflight carries no credentials
            require_key(request, self._matched(request.path), self.settings)
        route, methods, params = self._router.match(request.path)
        if request.method == "OPTIONS":
            return Response(204, b"", {"Allow": ", ".join([*methods, "OPTIONS"])})
        handler = methods.get(request.method)
        if handler is None:
            raise errors.MethodNotAllowed(
                f"{errors.shown(request.method, 16)} is not allowed on {route}; "
                f"use {', '.join(methods)}",
                allowed=tuple(methods))
        return handler(replace(request, params=params) if params else request, timings)

    def _predict(self, request: Request, timings: Timings) -> Response:
        settings = self.pipeline.settings
        parsed = parse_predict(request, max_body=settings.max_body_bytes,
                               max_batch=settings.max_batch,
                               classes=len(self.pipeline.classifier.labels))
        return json_response(self.pipeline.predict_input(parsed, timings, request.due))

    def _health(self, request: Request, timings: Timings) -> Response:
        classifier = self.pipeline.classifier
        return json_response({"status": "ok", "model_loaded": True,
                              "model": classifier.manifest.name,
                              "version": classifier.manifest.version,
                              "runtime": classifier.runtime.name,
                              "runtime_version": classifier.runtime.version})

    def _model(self, request: Request, timings: Timings) -> Response:
        return json_response(self.pipeline.classifier.describe())

    def _page(self, request: Request, timings: Timings) -> Response:
        from core.api.page import page_response  # the demo page; never loads the model

        return page_response()

    def _finish(self, request: Request, response: Response, timings: Timings) -> None:
        add_headers(request, response, timings, self.settings)

    def _log(self, request: Request, response: Response, timings: Timings,
             error: BaseException | None, seconds: float) -> None:
        level, fields = request_fields(request, response, timings, error, seconds,
                                       self._route_of(request.path), self._model_fields())
        log_request(level, fields, request, self.settings)
        for observer in self._observers:
            observer(fields)
        if self._unscraped and request.invocation.platform:  # once, on a function
            self._unscraped = False
            log_json(logging.WARNING, "metrics_not_served", message=NOT_SERVED)
        if fields["cold_start"] and self.init:
            log_init(self.init, {"first_request_ms": fields["ms"],
                                 "first_inference_ms": timings.as_ms().get("inference"),
                                 **(hash_fields(self._pipeline.classifier) if self._pipeline
                                    else {})},
                     self.settings, request)

    def _route_of(self, path: str) -> str:
        """The route a path resolves to (a bounded set, fit for a metric dimension)."""
        return self._matched(path) or "unmatched"

    def _matched(self, path: str) -> str | None:
        """The route a path resolves to, None when it matches none."""
        try:
            return self._router.match(path)[0]
        except errors.NotFound:
            return None

    def _model_fields(self) -> dict[str, object]:
        """Model name, version and runtime once the model is loaded (never loads it)."""
        if self._pipeline is None:
            return {}
        if self._model_info is None:
            self._model_info = model_fields(self._pipeline.classifier)
        return self._model_info


_default: Service | None = None
_default_lock = threading.Lock()


def default_service() -> Service:
    """The process's one service, configured from the environment."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Service()
    return _default


def handle(request: Request) -> Response:
    """Answer ``request`` with the process's default service."""
    return default_service().handle(request)
