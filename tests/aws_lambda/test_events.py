"""Every event shape, from the documented AWS sample events in tests/events/."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from aws_lambda.events import alb, apigw_rest, common, direct, find_shape, http_v2
from aws_lambda.handler import handle_event
from core.api.service import Service
from core.inference.classifier import Classifier
from core.messages import Response
from tests.aws_lambda.samples import (
    EXPECTED,
    HTTP_NAMES,
    NAMES,
    Context,
    headers_of,
    http_body,
    load,
    status_of,
)
from tests.conftest import make_settings

SHAPES = {"alb": alb, "apigw_rest": apigw_rest, "http_v2": http_v2, "direct": direct}


def plain_json(value: Any) -> bool:
    """True when ``value`` holds only the types json.dumps handles natively."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain_json(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


@pytest.mark.parametrize("name", NAMES)
def test_each_sample_event_gives_its_expected_answer(
        name: str, service: Service, classifier: Classifier, image_server: HTTPServer) -> None:
    expected = EXPECTED[name]
    event = load(name, image_server.url_for("/img/photo.jpg"))
    assert find_shape(event) is SHAPES[expected["shape"]]
    result = handle_event(service, event, Context())
    assert plain_json(result)
    json.dumps(result)  # no NumPy scalars: "Object of type float32 is not JSON serializable"
    assert status_of(result) == expected["status"], result
    if expected["kind"] == "bare":
        body = result
    else:
        assert expected["headers"] in result
        assert headers_of(result)["content-type"] == "application/json"
        body = http_body(result)
    assert isinstance(body, dict)
    if "top_k" in expected:
        assert set(body) <= set(classifier.labels) and len(body) == expected["top_k"]
        assert all(type(v) is float for v in body.values())


@pytest.mark.parametrize("name", HTTP_NAMES)
def test_the_lambda_request_id_is_the_answers_x_request_id(name: str, service: Service) -> None:
    context = Context()
    result = handle_event(service, load(name), context)
    assert headers_of(result)["x-request-id"] == context.aws_request_id


def test_alb_without_multi_value_headers_answers_plain_headers(service: Service) -> None:
    result = handle_event(service, load("alb.json"), Context())
    assert "multiValueHeaders" not in result and result["statusDescription"] == "200 OK"
    multi = handle_event(service, load("alb_multi_value.json"), Context())
    assert "headers" not in multi
    assert all(isinstance(v, list) for v in multi["multiValueHeaders"].values())


def test_multi_value_query_last_value_wins_like_parse_query() -> None:
    request = apigw_rest.to_request(load("apigw_rest_proxy.json"), Context())
    assert request.query == {"top_k": "2"}
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/predict" and request.method == "POST"


def test_alb_query_strings_are_percent_decoded() -> None:
    assert alb.to_request(load("alb.json"), None).query == {"top_k": "3"}


def test_binary_upload_is_decoded_from_base64() -> None:
    for name, shape in (("apigw_rest_binary.json", apigw_rest),
                        ("http_api_v2_named_stage.json", http_v2)):
        request = shape.to_request(load(name), None)
        assert request.body[:3] == b"\xff\xd8\xff" and request.content_type == "image/jpeg"


@pytest.mark.parametrize("path", ["/prod/predict", "/api/predict", "/predict/"])
def test_stage_and_base_path_prefixes_reach_predict(path: str, service: Service) -> None:
    event = load("http_api_v2.json")
    event["rawPath"] = path
    event["body"] = json.dumps({"image": base64.b64encode(b"not an image").decode()})
    # Reaching /predict is proven by the predict-specific error (422), not a 404.
    assert status_of(handle_event(service, event, Context())) == 422


@pytest.mark.parametrize(("stage", "raw_path", "page"), [
    ("prod", "/prod/", True), ("prod", "/prod", True), ("$default", "/", True),
    ("$default", "/prod/", False),  # no stage to strip: an unknown route
])
def test_a_named_stage_is_stripped_so_its_root_is_the_page(
        stage: str, raw_path: str, page: bool, service: Service) -> None:
    event = load("http_api_v2.json")
    event["rawPath"], event["requestContext"]["stage"] = raw_path, stage
    event["requestContext"]["http"]["method"] = "GET"
    event["body"], event["isBase64Encoded"] = None, False
    result = handle_event(service, event, Context())
    assert status_of(result) == (200 if page else 404)
    kind = headers_of(result)["content-type"]
    assert kind.startswith("text/html" if page else "application/json")
    assert common.strip_stage("/prod/predict", "prod") == "/predict"
    assert common.strip_stage("/production/predict", "prod") == "/production/predict"


def test_a_malformed_event_still_gets_the_request_id(service: Service) -> None:
    event = load("http_api_v2.json")
    event["body"], event["isBase64Encoded"] = "%%% not base64 %%%", True
    context = Context()
    result = handle_event(service, event, context)
    assert headers_of(result)["x-request-id"] == context.aws_request_id


@pytest.mark.parametrize("name", HTTP_NAMES)
def test_unknown_path_and_wrong_method_are_json_errors(name: str, service: Service) -> None:
    event = load(name)
    key = "rawPath" if "rawPath" in event else "path"
    event[key] = "/nowhere"
    assert status_of(handle_event(service, event, Context())) == 404
    event[key] = "/model"
    if "rawPath" in event:
        event["requestContext"]["http"]["method"] = "DELETE"
    else:
        event["httpMethod"] = "DELETE"
    result = handle_event(service, event, Context())
    assert status_of(result) == 405 and http_body(result)["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("name", HTTP_NAMES)
def test_a_body_flagged_base64_that_is_not_is_a_400(name: str, service: Service) -> None:
    event = load(name)
    event["body"], event["isBase64Encoded"] = "%%% not base64 %%%", True
    result = handle_event(service, event, Context())
    assert status_of(result) == 400 and http_body(result)["error"]["code"] == "invalid_field"


@pytest.mark.parametrize("event", [{"url": ""}, {"nope": 1}, [1, 2], "text", None, {}])
def test_direct_errors_carry_their_status_inside(event: Any, service: Service) -> None:
    result = handle_event(service, event, Context())
    assert set(result) == {"error"}
    assert set(result["error"]) == {"code", "message", "status"}
    assert result["error"]["status"] == 400


def test_direct_image_error_is_422_inside(service: Service) -> None:
    bad = base64.b64encode(b"definitely not an image").decode()
    result = handle_event(service, {"image": bad}, Context())
    assert result["error"]["status"] == 422 and result["error"]["code"] == "invalid_image"


@pytest.mark.parametrize("name", HTTP_NAMES)
def test_cors_headers_pass_through_every_http_shape(name: str, classifier: Classifier) -> None:
    cors = Service(make_settings(cors_allow_origin="https://shop.example"), classifier=classifier)
    headers = headers_of(handle_event(cors, load(name), Context()))
    assert headers["access-control-allow-origin"] == "https://shop.example"
    assert "x-request-id" in headers["access-control-expose-headers"].lower()


def test_preflight_options_is_answered(classifier: Classifier) -> None:
    cors = Service(make_settings(cors_allow_origin="*"), classifier=classifier)
    event = load("http_api_v2.json")
    event["requestContext"]["http"]["method"] = "OPTIONS"
    event["body"] = None
    result = handle_event(cors, event, Context())
    assert result["statusCode"] == 204 and result["body"] == ""
    assert result["headers"]["Access-Control-Allow-Origin"] == "*"


def test_only_binary_bodies_are_base64_encoded() -> None:
    png = Response(200, b"\x89PNG\r\n\x1a\n", {"Content-Type": "image/png"})
    result = common.proxy_result(png)
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == png.body
    text = common.proxy_result(Response(200, b'{"a":1}', {"Content-Type": "application/json"}))
    assert text["isBase64Encoded"] is False and text["body"] == '{"a":1}'


def test_http_v2_cookies_become_a_cookie_header() -> None:
    request = http_v2.to_request(load("http_api_v2.json"), None)
    assert request.headers["cookie"] == "cookie1; cookie2"


def test_direct_batch_answers_a_list_in_request_order(service: Service,
                                                      image_server: HTTPServer) -> None:
    urls = [image_server.url_for("/img/photo.jpg"), image_server.url_for("/missing")]
    result = handle_event(service, {"urls": urls, "top_k": 2}, Context())
    assert isinstance(result, list) and len(result) == 2
    assert len(result[0]) == 2 and result[1]["error"]["code"] == "url_status"
