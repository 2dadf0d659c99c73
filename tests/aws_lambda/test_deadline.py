"""Deadlines: the answer is ready before Lambda (or API Gateway) gives up on the call."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WsgiRequest
from werkzeug import Response as WsgiResponse

from aws_lambda.events import common, direct, http_v2
from aws_lambda.handler import handle_event, time_left_ms, with_deadline
from core.api.service import Service
from core.config import Settings
from core.errors import ConfigError
from core.messages import Request
from tests.aws_lambda.samples import Context, error_code, load, status_of

IMAGE_EVENTS = ["direct_image.json", "apigw_rest_proxy.json", "apigw_rest_binary.json",
                "http_api_v2_named_stage.json", "alb.json"]


def test_margin_is_a_setting() -> None:
    assert Settings.from_env(env={}).lambda_deadline_margin_ms == 1000
    settings = Settings.from_env(env={"LAMBDA_DEADLINE_MARGIN_MS": " 250 "})
    assert settings.lambda_deadline_margin_ms == 250
    with pytest.raises(ConfigError, match="LAMBDA_DEADLINE_MARGIN_MS"):
        Settings.from_env(env={"LAMBDA_DEADLINE_MARGIN_MS": "-5"})


def test_time_left_is_capped_for_http() -> None:
    fifteen_minutes = Context(remaining_ms=900_000)
    assert time_left_ms(fifteen_minutes, direct.TIME_LIMIT_MS) == pytest.approx(900_000, abs=50)
    assert time_left_ms(fifteen_minutes, http_v2.TIME_LIMIT_MS) == 29_000
    assert common.API_GATEWAY_LIMIT_MS == 29_000
    assert time_left_ms(Context(remaining_ms=5000), http_v2.TIME_LIMIT_MS) == pytest.approx(
        5000, abs=50)
    assert time_left_ms(None, None) is None  # no context: REQUEST_DEADLINE_SECONDS applies
    assert time_left_ms(None, 29_000) == 29_000


def test_deadline_is_a_monotonic_time_less_the_margin() -> None:
    settings = Settings.from_env(env={})
    before = time.monotonic()
    request = with_deadline(Request("GET", "/health"), Context(remaining_ms=3000), None,
                            settings)
    assert request.deadline is not None
    assert before + 1.9 <= request.deadline <= time.monotonic() + 2.0
    alone = with_deadline(Request("GET", "/health"), None, None, settings)
    assert alone.deadline is not None
    assert before + 54 < alone.deadline <= time.monotonic() + 55  # REQUEST_DEADLINE_SECONDS


@pytest.mark.parametrize("name", IMAGE_EVENTS)
def test_no_time_left_is_a_clean_504(name: str, service: Service) -> None:
    result = handle_event(service, load(name), Context(remaining_ms=800))
    assert status_of(result) == 504 and error_code(result) == "deadline_exceeded"


def slow_server(server: HTTPServer, seconds: float) -> str:
    def slow(request: WsgiRequest) -> WsgiResponse:
        time.sleep(seconds)
        return WsgiResponse(b"late", content_type="image/jpeg")
    server.expect_request("/slow.jpg").respond_with_handler(slow)
    return server.url_for("/slow.jpg")


@pytest.mark.parametrize("name", ["direct_url.json", "http_api_v2.json"])
def test_a_slow_fetch_answers_json_before_the_platform_limit(
        name: str, service: Service, httpserver: HTTPServer) -> None:
    url = slow_server(httpserver, 4.0)
    context = Context(remaining_ms=3000)  # Lambda would kill the call 3 s from now
    started = time.monotonic()
    result = handle_event(service, load(name, url), context)
    elapsed = time.monotonic() - started
    assert 1.8 < elapsed < 2.8, elapsed  # a 2 s budget, answered before the 3 s limit
    assert error_code(result) == "deadline_exceeded"
    assert status_of(result) == 504


def test_a_slow_fetch_cut_by_the_platform_deadline_is_a_504(
        service: Service, httpserver: HTTPServer) -> None:
    url = slow_server(httpserver, 4.0)
    result = handle_event(service, {"url": url}, Context(remaining_ms=3000))
    assert status_of(result) == 504
