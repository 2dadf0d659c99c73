"""What a stored photo's result must hold, computed without the event path: the scores
``/predict`` answers for the same bytes (through ``Service.handle``), and the scores of the raw
LiteRT interpreter on the committed model (an independent reference for the model step)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from core.api.service import Service
from core.config import DEFAULT_MODEL
from core.messages import Request
from tests.models.test_default_model import classify


def predict_answer(service: Service, data: bytes) -> dict[str, float]:
    """The JSON ``/predict`` answers for ``data`` posted raw."""
    response = service.handle(Request("POST", "/predict", {"content-type": "image/jpeg"}, {},
                                      data))
    assert response.status == 200, response.body
    answer: dict[str, float] = json.loads(response.body)
    return answer


def predict_error(service: Service, data: bytes) -> dict[str, Any]:
    """The error ``/predict`` answers for ``data`` posted raw, with its status."""
    response = service.handle(Request("POST", "/predict", {"content-type": "image/jpeg"}, {},
                                      data))
    assert response.status >= 400, response.body
    error: dict[str, Any] = json.loads(response.body)["error"]
    return {**error, "status": response.status}


@cache
def _interpreter() -> tuple[Interpreter, dict[str, Any]]:
    manifest: dict[str, Any] = json.loads(DEFAULT_MODEL.with_name("model.json").read_text())
    model = Interpreter(str(DEFAULT_MODEL), num_threads=1)
    model.allocate_tensors()
    return model, manifest


def interpreter_scores(data: bytes) -> dict[str, float]:
    """``{label: score}`` from the LiteRT interpreter itself on the committed model."""
    model, manifest = _interpreter()
    scores = classify(model, manifest, data)
    return dict(zip(manifest["labels"], (float(s) for s in scores), strict=True))


def assert_same_scores(result: dict[str, Any], service: Service, data: bytes) -> None:
    """``result["scores"]`` is exactly ``/predict``'s answer and agrees with the interpreter."""
    scores = result["scores"]
    assert scores == predict_answer(service, data)
    reference = interpreter_scores(data)
    assert list(scores) == sorted(reference, key=lambda k: -reference[k])[:len(scores)]
    np.testing.assert_allclose([scores[k] for k in scores], [reference[k] for k in scores],
                               atol=1e-5)
