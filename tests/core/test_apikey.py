"""The optional bearer API key: which requests it refuses, how it compares, what it logs."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from core.api import apikey
from core.api.service import Service
from core.config import Settings
from core.errors import ConfigError
from core.inference.classifier import Classifier
from core.messages import Request, Response
from tests import images
from tests.conftest import make_settings
from tests.logcapture import captured

KEY = "s3cret-key-\u00e9-0123456789"
OTHER = "another-key"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def keyed(classifier: Classifier, **settings: Any) -> Service:
    return Service(make_settings(api_keys_sha256=(digest(OTHER), digest(KEY)), **settings),
                   classifier=classifier)


def send(service: Service, method: str = "GET", path: str = "/model",
         authorization: str | None = None, body: bytes = b"") -> Response:
    headers = {"content-type": "image/jpeg"} if body else {}
    if authorization is not None:
        headers["authorization"] = authorization
    return service.handle(Request(method, path, headers, {}, body))


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", f"Basic {KEY}",
                                           "Bearer wrong", f"Bearer {digest(KEY)}",
                                           f"Bearer {KEY}x", f"{KEY}"])
@pytest.mark.parametrize("path", ["/predict", "/model", "/health", "/", "/v2/health/live",
                                  "/nowhere", "/v2/models/x/infer"])
def test_a_request_without_an_accepted_key_gets_401(
        classifier: Classifier, authorization: str | None, path: str) -> None:
    response = send(keyed(classifier), "POST" if "predict" in path else "GET", path,
                    authorization)
    assert response.status == 401, response.body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    if path.startswith("/v2"):
        assert isinstance(body["error"], str)
    else:
        assert body["error"]["code"] == "unauthorized"
    assert KEY not in response.body.decode() and digest(KEY) not in response.body.decode()


@pytest.mark.parametrize("key", [KEY, OTHER])
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_an_accepted_key_is_answered(classifier: Classifier, key: str, scheme: str) -> None:
    service = keyed(classifier)
    assert send(service, authorization=f"{scheme} {key}").status == 200
    predicted = send(service, "POST", "/predict", f"{scheme} {key}", images.jpeg())
    assert predicted.status == 200, predicted.body


def test_no_key_configured_asks_for_none(classifier: Classifier) -> None:
    service = Service(make_settings(), classifier=classifier)
    assert send(service).status == 200
    assert send(service, authorization="Bearer anything").status == 200


def test_open_routes_answer_without_a_key_and_only_they(classifier: Classifier) -> None:
    service = keyed(classifier, api_key_open_routes=("/health", "/"))
    assert send(service, path="/health").status == 200
    assert send(service, path="/prod/health").status == 200
    assert send(service, path="/").status == 200
    assert send(service, path="/model").status == 401
    assert send(service, path="/v2/health/live").status == 401


def test_a_cors_preflight_needs_no_key(classifier: Classifier) -> None:
    service = keyed(classifier, cors_allow_origin="https://app.example")
    response = send(service, "OPTIONS", "/predict")
    assert response.status == 204
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_every_digest_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """compare_digest on the sha256 of the key against every configured digest, even after
    the first one matched: the count of comparisons does not depend on the key."""
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    digests = (digest(KEY), digest(OTHER), digest("third"))
    for key in (KEY, "wrong"):
        compared.clear()
        assert apikey.accepted(key, digests) is (key == KEY)
        assert compared == [(digest(key).encode(), d.encode()) for d in digests]


def test_the_key_and_its_digest_never_reach_a_log_line(classifier: Classifier) -> None:
    service = keyed(classifier)
    with captured() as lines:
        for authorization in (f"Bearer {KEY}", f"Bearer {KEY}x", f"Bearer {digest(KEY)}"):
            send(service, authorization=authorization)
            send(service, "POST", "/predict", authorization, images.jpeg())
            send(service, "POST", "/predict", authorization, b"not an image")
    assert len(lines.lines) == 9
    statuses = sorted(record["status"] for record in lines.records())
    assert statuses == [200, 200, 401, 401, 401, 401, 401, 401, 422]
    text = "\n".join(lines.lines)
    for secret in (KEY, digest(KEY), digest(KEY + "x"), KEY.encode("unicode_escape").decode()):
        assert secret not in text


@pytest.mark.parametrize("value", ["plain-key", digest(KEY)[:63], digest(KEY) + "0",
                                   "z" * 64])
def test_a_value_that_is_not_a_digest_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env={"API_KEYS_SHA256": f"{digest(OTHER)},{value}"})
    assert "API_KEYS_SHA256" in str(raised.value) and value not in str(raised.value)


def test_digests_are_read_from_the_environment_in_any_case() -> None:
    settings = Settings.from_env(env={"API_KEYS_SHA256": f" {digest(KEY).upper()} , "
                                                         f"{digest(OTHER)}",
                                      "API_KEY_OPEN_ROUTES": "/health,/"})
    assert settings.api_keys_sha256 == (digest(KEY), digest(OTHER))
    assert settings.api_key_open_routes == ("/health", "/")


def test_only_routes_that_run_no_model_may_be_left_open() -> None:
    with pytest.raises(ConfigError, match="API_KEY_OPEN_ROUTES"):
        Settings.from_env(env={"API_KEY_OPEN_ROUTES": "/predict"})
