"""Classify one stored object (or one queue message naming an image) and write its result.

The image goes through the same pipeline, with the same limits, as ``/predict``'s image
uploads (a message's URL through the same fetcher and URL policy as ``{"url": ...}``), so a
result's scores are what ``/predict`` answers for that photo. How each error ends:

* 4xx (not an image, a bomb, too large, a missing or forbidden object): the image can never
  be classified; an error result is written and the outcome is ``failed``, not retried;
* 429 and 5xx (throttling, storage errors, timeouts, the deadline, a fault of ours): nothing
  is written and the outcome is ``retry``, for the queue or the platform to deliver again.

Every object gets one log line (event ``object``) with its outcome and timings.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core import errors
from core.jobs.objects import ObjectRef, parse_object_uri
from core.jobs.results import CONTENT_TYPE, Results, record, source_json
from core.jobs.stores import open_store
from core.pipeline.predict import Pipeline, PredictInput
from core.pipeline.timings import Timings
from core.telemetry.request_log import log_json

Status = Literal["ok", "failed", "retry", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What became of one object: its result (None when nothing was written), its status,
    the error when it failed, and the JSON record (written, or for the caller to keep)."""

    source: ObjectRef
    status: Status
    result: ObjectRef | None = None
    error: errors.ServiceError | None = None
    record: dict[str, Any] | None = None


def is_transient_status(status: int) -> bool:
    """True when trying again later may succeed: 429 and every 5xx."""
    return status == 429 or status >= 500


def is_transient(error: errors.ServiceError) -> bool:
    """True when trying again later may succeed (``is_transient_status`` of its status)."""
    return is_transient_status(error.status)


def read_source(pipeline: Pipeline, ref: ObjectRef, deadline: float,
                timings: Timings) -> tuple[bytes, ObjectRef]:
    """The bytes of ``ref`` and the object as read: a URL through the fetcher and URL policy
    of ``{"url": ...}``, a file or stored object through its store under ``MAX_IMAGE_BYTES``."""
    if ref.store == "url":
        timings.url = ref.key
        with timings.step("fetch"):
            return pipeline.fetch(ref.key, deadline), ref
    settings = pipeline.settings
    with timings.step("read"):
        blob = open_store(ref.store, settings).read(ref, settings.max_image_bytes, deadline)
    return blob.data, blob.ref


def model_identity(pipeline: Pipeline) -> dict[str, str]:
    """The model as a result names it: name, version and sha256."""
    manifest = pipeline.classifier.manifest
    return {"name": manifest.name, "version": manifest.version,
            "sha256": pipeline.classifier.sha256}


_runners: weakref.WeakKeyDictionary[Pipeline, Runner] = weakref.WeakKeyDictionary()


def runner_for(pipeline: Pipeline, platform: str | None = None) -> Runner:
    """The runner writing ``pipeline``'s results under RESULTS_URI, made on the first event
    and kept for the pipeline's life. A missing or malformed RESULTS_URI raises ConfigError
    on every call (the event is retried, not lost, once the setting is fixed); with
    ``platform``, each such call also writes one ERROR ``object`` line saying why."""
    found = _runners.get(pipeline)
    if found is None:
        try:
            results = Results.from_settings(pipeline.settings)
        except errors.ConfigError as exc:
            if platform is not None:
                log_json(logging.ERROR, "object", platform=platform, status="retry",
                         error="config_error", message=str(exc))
            raise
        found = _runners[pipeline] = Runner(pipeline, results)
    return found


class Runner:
    """Classifies objects with ``pipeline`` and writes results under ``results`` (with
    ``results=None`` nothing is written: the caller keeps ``Outcome.record``)."""

    def __init__(self, pipeline: Pipeline, results: Results | None) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.results = results
        self.model = model_identity(pipeline)

    def classify_object(self, source: ObjectRef, deadline: float,
                        log: Mapping[str, object] | None = None) -> Outcome:
        """Read, classify and write the result of ``source`` by ``deadline`` (monotonic)."""
        started, timings = time.perf_counter(), Timings()
        if self.results is not None and self.results.is_result(source):
            outcome = Outcome(source, "skipped")
        else:
            outcome = self._classify(source, deadline, timings)
        self._log(outcome, timings, time.perf_counter() - started, log or {})
        return outcome

    def classify_message(self, body: Any, deadline: float,
                         log: Mapping[str, object] | None = None) -> Outcome:
        """``classify_object`` for a queue message naming an image: ``{"url": ...}``,
        ``{"uri": "s3://..."}`` or ``{"bucket", "key"}`` (``store``, ``version``, ``etag``,
        ``account`` optional; the store defaults to the results' own). A message that names
        nothing is ``failed`` with nothing written."""
        try:
            source = self.message_ref(body)
        except errors.ServiceError as exc:
            outcome = Outcome(ObjectRef("url", "", "<message>"), "failed", error=exc)
            self._log(outcome, Timings(), 0.0, log or {})
            return outcome
        return self.classify_object(source, deadline, log)

    def message_ref(self, body: Any) -> ObjectRef:
        """The object a queue message names; InvalidField when it names none."""
        if isinstance(body, str | bytes):
            try:
                body = json.loads(body)
            except ValueError as exc:
                raise errors.InvalidJSON("the message is not JSON") from exc
        if not isinstance(body, dict):
            raise errors.InvalidField("the message must be a JSON object")
        for name in ("url", "uri"):
            if isinstance(body.get(name), str) and body[name]:
                ref = parse_object_uri(body[name], f"'{name}'")
                if name == "url" and ref.store != "url":
                    raise errors.InvalidField("'url' must be an http(s) URL")
                return _with_identity(ref, body)
        bucket, key = body.get("bucket"), body.get("key")
        if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
            raise errors.InvalidField("the message names no image: send {\"url\": ...}, "
                                      "{\"uri\": ...} or {\"bucket\": ..., \"key\": ...}")
        default = self.results.base.store if self.results is not None else "s3"
        store = str(body.get("store") or default)
        if store not in ("s3", "gs", "azure"):
            raise errors.InvalidField(f"'store' must be s3, gs or azure, got "
                                      f"{errors.shown(store)}")
        account = str(body.get("account") or (self.results.base.account if self.results else ""))
        return _with_identity(ObjectRef(store, bucket, key, account=account), body)

    def _classify(self, source: ObjectRef, deadline: float, timings: Timings) -> Outcome:
        scores: dict[str, float] | None = None
        try:
            source, scores = self._scores(source, deadline, timings)
            error: errors.ServiceError | None = None
        except errors.ServiceError as exc:
            error = exc
        except Exception as exc:  # a fault of ours: retried, and its trace logged
            timings.info["exception"] = "".join(traceback.format_exception(exc))[-4000:]
            error = errors.InternalError("internal error")
        if error is not None and is_transient(error):
            return Outcome(source, "retry", error=error)
        data = record(source, self.model, scores, error)
        status: Status = "ok" if error is None else "failed"
        if self.results is None:
            return Outcome(source, status, error=error, record=data)
        target = self.results.result_ref(source)
        try:
            with timings.step("write"):
                open_store(target.store, self.settings).write(
                    target, json.dumps(data, separators=(",", ":")).encode(), CONTENT_TYPE)
        except errors.ServiceError as exc:
            return Outcome(source, "retry" if is_transient(exc) else "failed", error=exc,
                           record=data)
        return Outcome(source, status, target, error, data)

    def _scores(self, source: ObjectRef, deadline: float,
                timings: Timings) -> tuple[ObjectRef, dict[str, float]]:
        data, read = read_source(self.pipeline, source, deadline, timings)
        if source.store != "url":
            timings.info["source_bytes"] = len(data)
        scores = self.pipeline.predict_input(PredictInput(image=data), timings, deadline)
        return read, scores

    def _log(self, outcome: Outcome, timings: Timings, seconds: float,
             extra: Mapping[str, object]) -> None:
        fields: dict[str, Any] = {
            **extra, "source": source_json(outcome.source)["uri"], "status": outcome.status,
            "ms": round(seconds * 1000, 2), "timings": timings.as_ms(), **timings.info,
            "model": self.model["name"], "model_version": self.model["version"]}
        if outcome.result is not None:
            fields["result"] = outcome.result.uri
        level = logging.INFO
        if outcome.error is not None:
            fields["error"] = outcome.error.code
            fields["message"] = outcome.error.message
            level = logging.ERROR if outcome.error.status >= 500 else logging.WARNING
        log_json(level, "object", **fields)


def _with_identity(ref: ObjectRef, body: Mapping[str, Any]) -> ObjectRef:
    """``ref`` with the message's ``version`` and ``etag``, when it gives them."""
    version, etag = body.get("version"), body.get("etag")
    return ObjectRef(ref.store, ref.bucket, ref.key, account=ref.account,
                     version=str(version) if version else None,
                     etag=str(etag).strip('"') if etag else None)
