"""The model the settings name: downloaded first when ``MODEL_URI`` is set, then loaded; and
the warnings a loaded model may call for (no labels, no manifest)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from core.config import Settings
from core.inference import assumptions, external_data
from core.inference.classifier import Classifier
from core.inference.loader import load_classifier
from core.telemetry.request_log import log_json


def classifier_from_settings(settings: Settings,
                             init: dict[str, object] | None = None) -> Classifier:
    """The model named by the settings, with every override the settings carry; with
    ``MODEL_URI``, downloaded first. ``init`` receives the milliseconds each part took."""
    started = time.perf_counter()
    if settings.model_uri:
        # imported here: the store clients, shutil and tempfile only serve MODEL_URI
        from core.modelstore import download_model

        got = download_model(settings, external_data.named, external_data.identity)
        settings = replace(settings, model_path=str(got.path))
        if init is not None:
            init.update(model_uri=got.uri, sha256=got.identity, download_bytes=got.bytes,
                        download_reused=got.reused, download_ms=round(got.seconds * 1000, 1))
    loaded = time.perf_counter()
    classifier = load_classifier(
        settings.model_path, manifest_path=settings.model_manifest,
        labels=settings.model_labels or None, threads=settings.model_threads,
        runtime=settings.model_runtime, labels_file=settings.model_labels_file,
        normalization=settings.model_normalization, resize=settings.model_resize,
        output=settings.model_output, draft=settings.jpeg_draft,
        layout=settings.model_layout, input_size=settings.model_input_size,
        resize_shorter=settings.model_resize_shorter, softmax=settings.model_softmax,
        wait_for_hash=False)  # the service answers while the sha256 completes
    if init is not None:
        now = time.perf_counter()
        init.update(source="storage" if settings.model_uri else "package",
                    load_ms=round((now - loaded) * 1000, 1), **classifier.load_ms,
                    init_ms=round((now - started) * 1000, 1))
    return classifier


def warn_if_unlabelled(classifier: Classifier) -> None:
    """Say at start-up that answers will be keyed by class index, not by name."""
    if not classifier.manifest.labels:
        log_json(logging.WARNING, "model_without_labels", model=str(classifier.model_path),
                 message="the model has no labels, so predictions are keyed by class index "
                         "('0', '1', ...); set MODEL_LABELS or MODEL_LABELS_FILE, or convert "
                         "with --labels")


def warn_if_assumed(classifier: Classifier) -> None:
    """Say at start-up which preprocessing and output values a model without a manifest runs
    on, and the setting that changes each."""
    message = assumptions.warning(classifier)
    if message:
        log_json(logging.WARNING, "model_without_manifest", model=str(classifier.model_path),
                 assumed=assumptions.assumed(classifier), message=message)


# The sha256 starts this long after the first answer: by then the answer has gone out and the
# main thread waits for the next event, so the hash's import and reads never hold the GIL
# while the answer still needs it.
HASH_DELAY_S = 0.05


def hash_fields(classifier: Classifier) -> dict[str, object]:
    """The model's sha256 for the init line, started now (after the first answer, delayed by
    HASH_DELAY_S) if it has not been: ``hash_ms`` once it has ended, else ``hash_pending``,
    and its thread writes the ``model_hash`` line when it ends. A file that is not the
    manifest's gets an ERROR ``model_hash`` line either way."""
    if classifier.hashed:
        _log_hash(classifier)
        return {"hash_ms": classifier.hash_ms}
    classifier.start_hash(then=lambda: _log_hash(classifier, ended_later=True),
                          delay=HASH_DELAY_S)
    return {"hash_pending": True}


def _log_hash(classifier: Classifier, ended_later: bool = False) -> None:
    """The ``model_hash`` line: ERROR when the file is not the manifest's, else INFO (only
    for a hash that ended after the init line, which then lacked it)."""
    failure = classifier.hash_failure()
    if failure:
        log_json(logging.ERROR, "model_hash", error="model_error", message=failure)
    elif ended_later:
        log_json(logging.INFO, "model_hash", sha256=classifier.sha256,
                 hash_ms=classifier.hash_ms)
