"""What a stored photo's result must hold, computed without the event path: the scores
``/predict`` answers for the same bytes and an independent LiteRT reference
(``tests.core.jobs.conftest.assert_scores``), or the error ``/predict`` answers."""

from __future__ import annotations

import json
from typing import Any

from core.api.service import Service
from core.messages import Request
from tests.core.jobs.conftest import assert_scores


def predict_error(service: Service, data: bytes) -> dict[str, Any]:
    """The error ``/predict`` answers for ``data`` posted raw, with its status."""
    response = service.handle(Request("POST", "/predict", {"content-type": "image/jpeg"}, {},
                                      data))
    assert response.status >= 400, response.body
    error: dict[str, Any] = json.loads(response.body)["error"]
    return {**error, "status": response.status}


def assert_same_scores(result: dict[str, Any], service: Service, data: bytes) -> None:
    """``result["scores"]`` is exactly ``/predict``'s answer and agrees with the reference."""
    assert "error" not in result, result
    assert_scores(result["scores"], service, data)
