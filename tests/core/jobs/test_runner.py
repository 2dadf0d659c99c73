"""Classifying stored objects on each real store server (moto, the GCS emulator, Azurite):
the result beside the source, one per content, and how each kind of failure ends."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core import config
from core.api.service import Service
from core.jobs.objects import ObjectRef
from core.jobs.results import Results
from core.jobs.runner import Runner
from tests import images
from tests import storage_servers as servers
from tests.conftest import make_settings
from tests.core.jobs.conftest import Place, assert_scores, soon
from tests.hostile.test_decode import png_declaring

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here

PHOTO = Path(__file__).resolve().parents[3] / "samples" / "coat.jpg"


def test_a_photo_gets_the_scores_predict_answers(anywhere: Place, service: Service) -> None:
    data = PHOTO.read_bytes()
    anywhere.store.put("uploads/my coat.jpg", data)
    outcome = anywhere.runner.classify_object(anywhere.ref("uploads/my coat.jpg"), soon())
    assert outcome.status == "ok" and outcome.error is None and outcome.result is not None
    written = anywhere.result(outcome.result.key)
    assert written is not None and written == outcome.record
    assert_scores(written["scores"], service, data)
    assert written["source"]["key"] == "uploads/my coat.jpg"
    assert written["source"].get("etag") or written["source"].get("version")
    card = json.loads(DEFAULT_MODEL.with_name("model.json").read_text())
    assert written["model"] == {"name": card["name"], "version": card["version"],
                                "sha256": hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()}
    assert written["time"].endswith("Z")


def test_a_redelivery_rewrites_the_same_result(s3_place: Place) -> None:
    s3_place.store.put("uploads/a.jpg", images.jpeg())
    first = s3_place.runner.classify_object(s3_place.ref("uploads/a.jpg"), soon())
    again = s3_place.runner.classify_object(s3_place.ref("uploads/a.jpg"), soon())
    assert first.result == again.result and first.result is not None
    listed = list(_results(s3_place))
    assert listed == [first.result.key]


def test_new_content_under_the_same_key_gets_its_own_result(s3_place: Place) -> None:
    s3_place.store.put("uploads/a.jpg", images.jpeg(seed=1))
    first = s3_place.runner.classify_object(s3_place.ref("uploads/a.jpg"), soon())
    s3_place.store.put("uploads/a.jpg", images.jpeg(seed=2))
    second = s3_place.runner.classify_object(s3_place.ref("uploads/a.jpg"), soon())
    assert first.result != second.result


@pytest.mark.parametrize(("data", "code"), [
    (png_declaring(5001, 5000, rows=5000), "image_too_large"),  # 25 MP of zeros in 25 KB
    (images.jpeg()[:2000], "invalid_image"),  # a truncated JPEG
    (b"just some text", "invalid_image"),
    (None, "object_not_found"),
])
def test_an_image_that_never_classifies_gets_an_error_result(
        anywhere: Place, data: bytes | None, code: str) -> None:
    if data is not None:
        anywhere.store.put("uploads/bad.jpg", data)
    outcome = anywhere.runner.classify_object(anywhere.ref("uploads/bad.jpg"), soon())
    assert outcome.status == "failed" and outcome.result is not None
    written = anywhere.result(outcome.result.key)
    assert written is not None and "scores" not in written
    assert written["error"]["code"] == code and written["error"]["message"]


def test_an_object_over_max_image_bytes_is_too_large(s3_place: Place,
                                                     service: Service) -> None:
    s3_place.store.put("uploads/big.jpg", images.jpeg())
    settings = make_settings(results_uri=s3_place.store.uri("results/"), max_image_bytes=1000)
    small = Service(settings, classifier=service.pipeline.classifier)
    runner = Runner(small.pipeline, Results.from_settings(settings))
    outcome = runner.classify_object(s3_place.ref("uploads/big.jpg"), soon())
    assert outcome.error is not None and outcome.error.code == "image_too_large"
    assert outcome.status == "failed"


def test_results_never_classify_themselves(anywhere: Place) -> None:
    anywhere.store.put("results/x.jpg", images.jpeg())
    anywhere.store.put("elsewhere/y.jpg.result.json", images.jpeg())
    for key in ("results/x.jpg", "elsewhere/y.jpg.result.json"):
        outcome = anywhere.runner.classify_object(anywhere.ref(key), soon())
        assert outcome.status == "skipped" and outcome.result is None
    assert anywhere.result("results/x.jpg.result.json") is None


def test_a_store_that_cannot_be_reached_is_retried_and_nothing_is_written(
        s3_place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    s3_place.store.put("uploads/a.jpg", images.jpeg())
    endpoint = servers.CLOSED
    with monkeypatch.context() as patched:
        patched.setenv("AWS_ENDPOINT_URL_S3", endpoint)
        outcome = s3_place.runner.classify_object(s3_place.ref("uploads/a.jpg"), soon())
    assert outcome.status == "retry" and outcome.result is None
    assert outcome.error is not None and outcome.error.code == "storage_unavailable"
    assert list(_results(s3_place)) == []


def test_a_passed_deadline_is_retried(anywhere: Place) -> None:
    anywhere.store.put("uploads/a.jpg", images.jpeg())
    outcome = anywhere.runner.classify_object(anywhere.ref("uploads/a.jpg"),
                                              time.monotonic() - 1)
    assert outcome.status == "retry"
    assert outcome.error is not None and outcome.error.code == "deadline_exceeded"


def test_messages_name_an_image_by_bucket_and_key_or_by_url(
        s3_place: Place, image_server: HTTPServer, service: Service) -> None:
    data = images.jpeg(seed=4)
    s3_place.store.put("uploads/m.jpg", data)
    bucket = s3_place.store.uri("").split("/")[2]
    by_key = s3_place.runner.classify_message({"bucket": bucket, "key": "uploads/m.jpg"}, soon())
    assert by_key.status == "ok" and by_key.record is not None
    assert_scores(by_key.record["scores"], service, data)
    url = image_server.url_for("/img/photo.jpg") + "?signature=secret"
    by_url = s3_place.runner.classify_message(f'{{"url": "{url}"}}', soon())
    assert by_url.status == "ok" and by_url.result is not None and by_url.record is not None
    assert_scores(by_url.record["scores"], service, images.jpeg())
    assert "secret" not in by_url.record["source"]["uri"]


@pytest.mark.parametrize("body", [
    "not json", [1, 2], {"bucket": "b"}, {"url": "ftp://example.com/a.jpg"},
    {"bucket": "b", "key": "k", "store": "floppy"},
])
def test_a_message_that_names_nothing_fails_without_a_result(
        s3_place: Place, body: object) -> None:
    outcome = s3_place.runner.classify_message(body, soon())
    assert outcome.status == "failed" and outcome.result is None
    assert outcome.error is not None and outcome.error.status == 400


def test_a_url_the_policy_refuses_gets_an_error_result(s3_place: Place) -> None:
    outcome = s3_place.runner.classify_message(
        {"url": "http://169.254.169.254/latest/meta-data"}, soon())
    assert outcome.status == "failed" and outcome.record is not None
    assert outcome.record["error"]["code"] == "url_not_allowed"


def _results(where: Place) -> list[str]:
    from core.jobs.stores import open_store

    prefix = ObjectRef("s3", where.store.uri("").split("/")[2], "results/")
    return [ref.key for ref in open_store("s3", where.runner.settings).list(prefix)]


def test_a_refused_identity_fails_without_a_retry(
        azure_place: Place, azurite_connection: str, monkeypatch: pytest.MonkeyPatch) -> None:
    azure_place.store.put("uploads/a.jpg", images.jpeg())
    wrong = azurite_connection.replace(servers.AZURITE_KEY, "d3Jvbmcga2V5" * 8)
    with monkeypatch.context() as patched:
        patched.setenv("AZURE_STORAGE_CONNECTION_STRING", wrong)
        outcome = azure_place.runner.classify_object(azure_place.ref("uploads/a.jpg"), soon())
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.code == "storage_forbidden"
