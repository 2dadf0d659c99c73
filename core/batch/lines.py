"""The line written for one image: the record the storage events write (source, model, time,
and the ``{label: score}`` object ``/predict`` answers, or the error's code and message)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core import errors
from core.inference.classifier import Classifier


def model_info(classifier: Classifier) -> dict[str, str]:
    """The model's name, version and identity, as every record names them."""
    manifest = classifier.manifest
    return {"name": manifest.name, "version": manifest.version, "sha256": classifier.sha256}


def record(source: dict[str, Any], model: dict[str, str],
           outcome: dict[str, float] | errors.ServiceError) -> dict[str, Any]:
    """One image's record: ``scores`` when classified, else ``error``."""
    line: dict[str, Any] = {"source": source, "model": model,
                            "time": datetime.now(UTC).isoformat(timespec="milliseconds")}
    if isinstance(outcome, errors.ServiceError):
        line.update(outcome.to_json())
    else:
        line["scores"] = outcome
    return line
