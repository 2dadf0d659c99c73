"""Fault injection: an unexpected exception never escapes as a Lambda function error.

An unhandled error would reach API Gateway as a bare 502; each shape answers its own 500 JSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pytest_httpserver import HTTPServer

from aws_lambda.events import SHAPES, alb, apigw_rest, direct, http_v2
from aws_lambda.handler import handle_event
from core.api.service import Service
from core.inference.classifier import Classifier
from core.messages import Request, Response
from tests.aws_lambda.samples import EXPECTED, NAMES, Context, error_code, load, status_of

PREDICT_NAMES = [n for n in NAMES if "top_k" in EXPECTED[n]]


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("secret internal detail")


def assert_internal_error(result: Any) -> None:
    assert status_of(result) == 500, result
    assert error_code(result) == "internal_error"
    assert "secret internal detail" not in str(result)


@pytest.mark.parametrize("name", PREDICT_NAMES)
def test_model_exception_is_a_500_json_in_every_shape(
        name: str, service: Service, classifier: Classifier, image_server: HTTPServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classifier, "predict", boom)
    event = load(name, image_server.url_for("/img/photo.jpg"))
    assert_internal_error(handle_event(service, event, Context()))


@pytest.mark.parametrize("name", NAMES)
def test_route_exception_is_a_500_json_in_every_shape(
        name: str, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(request: Request, timings: Any) -> Response:
        raise ValueError("secret internal detail")
    for methods in service._routes.values():
        for method in list(methods):
            monkeypatch.setitem(methods, method, broken)
    assert_internal_error(handle_event(service, load(name), Context()))


@pytest.mark.parametrize("shape", [alb, http_v2, apigw_rest, direct])
def test_adapter_fault_in_translation_is_a_500(
        shape: Any, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    name = {alb: "alb.json", http_v2: "http_api_v2.json", apigw_rest: "apigw_rest_proxy.json",
            direct: "direct_image.json"}[shape]
    monkeypatch.setattr(shape, "to_request", boom)
    assert_internal_error(handle_event(service, load(name), Context()))


def test_adapter_fault_in_the_result_is_still_a_json_error(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http_v2, "from_response", boom)
    result = handle_event(service, load("function_url.json"), Context())
    assert result == {"error": {"code": "internal_error", "message": "internal error",
                                "status": 500}}


def test_scores_are_plain_floats_even_from_float32(service: Service, classifier: Classifier,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    scores = np.linspace(0, 1, len(classifier.labels), dtype=np.float32)[np.newaxis]
    monkeypatch.setattr(classifier, "predict", lambda pixels: scores)
    result = handle_event(service, load("direct_image.json"), Context())
    assert all(type(v) is float for v in result.values())


def test_every_shape_is_tried_in_a_fixed_order() -> None:
    assert (alb, http_v2, apigw_rest, direct) == SHAPES
