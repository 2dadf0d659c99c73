"""The model the settings name: downloaded first when ``MODEL_URI`` is set, then loaded."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from core.config import Settings
from core.inference import external_data
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
        settings = replace(settings, model_path=got.path)
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


def hash_fields(classifier: Classifier) -> dict[str, object]:
    """The background sha256's part of the init line: ``hash_ms`` once it has ended, else
    ``hash_pending`` and a thread that writes the ``model_hash`` line when it ends. A file that
    is not the manifest's gets an ERROR ``model_hash`` line either way."""
    if not classifier.hashed:
        threading.Thread(target=log_hash, args=(classifier,), name="sha256-log",
                         daemon=True).start()
        return {"hash_pending": True}
    _log_failure(classifier)
    return {"hash_ms": classifier.hash_ms}


def log_hash(classifier: Classifier) -> None:
    """Wait for the background sha256, then write its ``model_hash`` line."""
    try:
        identity = classifier.sha256  # waits
    except Exception:  # another file than the manifest's, or its read failed: logged as such
        _log_failure(classifier)
        return
    log_json(logging.INFO, "model_hash", sha256=identity, hash_ms=classifier.hash_ms)


def _log_failure(classifier: Classifier) -> bool:
    """An ERROR ``model_hash`` line when the hash has shown another file; whether it had."""
    failure = classifier.hash_failure()
    if failure:
        log_json(logging.ERROR, "model_hash", error="model_error", message=failure)
    return failure is not None
