"""A body Lambda could not decode is answered and logged as the route it was sent to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aws_lambda.handler import handle_event
from core.api.service import Service
from tests.aws_lambda.samples import Context, load
from tests.logcapture import captured

INFER = "/v2/models/clothing-mobilenet-v2/infer"
BAD = "not base64!"


def broken(name: str, method: str, path: str) -> dict[str, Any]:
    """The sample event ``name`` sent to ``method path`` with a body that is not base64."""
    event: dict[str, Any] = load(name)
    if "rawPath" in event:
        event["rawPath"] = path
        event["requestContext"]["http"].update(method=method, path=path)
    else:
        event.update(path=path, httpMethod=method)
    event.update(body=BAD, isBase64Encoded=True)
    return event


@pytest.mark.parametrize("name", ["http_api_v2.json", "apigw_rest_proxy.json", "alb.json"])
def test_a_v2_request_gets_the_protocols_error_shape(name: str, service: Service) -> None:
    with captured() as lines:
        result = handle_event(service, broken(name, "POST", INFER), Context())
    assert result["statusCode"] == 400
    assert json.loads(result["body"]) == {"error": "the body is not valid base64"}
    line = next(r for r in lines.records() if r.get("event") == "request")
    assert (line["method"], line["route"]) == ("POST", "/v2/models/{name}/infer")


def test_a_predict_request_keeps_its_own_shape_and_route(service: Service) -> None:
    with captured() as lines:
        result = handle_event(service, broken("http_api_v2.json", "PUT", "/health"), Context())
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["error"]["code"] == "invalid_field"
    line = next(r for r in lines.records() if r.get("event") == "request")
    assert (line["method"], line["route"], line["path"]) == ("PUT", "/health", "/health")
