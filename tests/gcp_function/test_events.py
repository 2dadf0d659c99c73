"""The event function (``--target classify_event``) in the real functions-framework server,
fed CloudEvents in HTTP binary mode, with the GCS emulator holding the photos and receiving
the results. Nothing is mocked: the server reads and writes through google-cloud-storage, whose
own STORAGE_EMULATOR_HOST points it at the emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from core.api.service import Service
from tests import images
from tests import storage_servers as servers
from tests.conftest import ROOT
from tests.event_scores import assert_same_scores, predict_error
from tests.gcp_function import sample_events
from tests.hostile.test_decode import png_declaring
from tests.processes import free_port, stop

PHOTOS = "photos"
RESULTS = "results/"  # under the watched bucket itself: the loop guard must hold


@contextmanager
def event_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """functions-framework serving main.py's classify_event on 127.0.0.1; yields its URL."""
    port = free_port()
    cli = Path(sys.executable).parent / "functions-framework"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(cli), "--source", str(ROOT / "gcp_function" / "main.py"),
             "--target", "classify_event", "--signature-type", "cloudevent",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < end:
            try:
                servers.wait_for(port, 0.5)
                break
            except TimeoutError:
                continue
        assert process.poll() is None, log.read_text()[-3000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def server_env(emulator: str, **more: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **servers.isolated_env(),
            "STORAGE_EMULATOR_HOST": emulator, "RESULTS_URI": f"gs://{PHOTOS}/{RESULTS}",
            "ALLOW_PRIVATE_URLS": "true", "MODEL_THREADS": "2", **more}


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as patch, servers.gcs_emulator() as host:
        for name, value in servers.isolated_env().items():
            patch.setenv(name, value)
        patch.setenv("STORAGE_EMULATOR_HOST", host)
        yield host


@pytest.fixture(scope="module")
def bucket(emulator: str) -> Any:
    from google.cloud import storage

    return storage.Client().create_bucket(PHOTOS)


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gcp-events") / "server.log"


@pytest.fixture(scope="module")
def server(emulator: str, bucket: Any, server_log: Path) -> Iterator[str]:
    with event_server(server_env(emulator), server_log) as url:
        yield url


def upload(bucket: Any, name: str, data: bytes) -> Any:
    blob = bucket.blob(name)
    blob.upload_from_string(data, content_type="image/jpeg")
    blob.reload()
    return blob


def deliver(server: str, event: tuple[dict[str, str], bytes]) -> requests.Response:
    headers, body = event
    return requests.post(server, data=body, headers=headers, timeout=60)


def results(bucket: Any) -> dict[str, dict[str, Any]]:
    """Every result object under the results prefix, by name."""
    return {blob.name: json.loads(blob.download_as_bytes())
            for blob in bucket.client.list_blobs(bucket.name, prefix=RESULTS)}


def result_of(bucket: Any, name: str) -> dict[str, Any]:
    """The one result whose source is the object ``name``."""
    (found,) = [r for r in results(bucket).values() if r["source"].get("key") == name]
    return found


def test_a_finalized_photo_gets_the_scores_predict_answers(
        server: str, bucket: Any, service: Service) -> None:
    photo = images.jpeg(seed=1)
    blob = upload(bucket, "in/my photo+1.jpg", photo)
    response = deliver(server, sample_events.storage_finalized(blob))
    assert response.status_code == 200, response.text
    result = result_of(bucket, "in/my photo+1.jpg")
    assert_same_scores(result, service, photo)
    assert result["source"] == {
        "uri": f"gs://{PHOTOS}/in/my photo+1.jpg", "store": "gs", "bucket": PHOTOS,
        "key": "in/my photo+1.jpg", "version": str(blob.generation), "etag": blob.etag}
    assert result["model"]["name"] == service.pipeline.classifier.manifest.name
    assert result["model"]["sha256"] == service.pipeline.classifier.sha256
    assert result["time"].endswith("Z") and "error" not in result


def test_a_redelivered_event_writes_no_second_result(server: str, bucket: Any) -> None:
    blob = upload(bucket, "in/again.jpg", images.jpeg(seed=2))
    event = sample_events.storage_finalized(blob)
    assert deliver(server, event).status_code == 200
    first = {k: v for k, v in results(bucket).items() if "again.jpg" in k}
    assert deliver(server, event).status_code == 200  # the same event, delivered again
    second = {k: v for k, v in results(bucket).items() if "again.jpg" in k}
    assert list(first) == list(second) and len(first) == 1
    newer = upload(bucket, "in/again.jpg", images.jpeg(seed=3))  # a new generation: new result
    assert deliver(server, sample_events.storage_finalized(newer)).status_code == 200
    assert len([k for k in results(bucket) if "again.jpg" in k]) == 2


def test_the_loop_guard_never_classifies_a_result(server: str, bucket: Any) -> None:
    upload(bucket, "in/guarded.jpg", images.jpeg(seed=4))
    deliver(server, sample_events.storage_finalized(bucket.get_blob("in/guarded.jpg")))
    before = results(bucket)
    written = [bucket.get_blob(name) for name in before]
    for blob in written:
        assert deliver(server, sample_events.storage_finalized(blob)).status_code == 200
    assert results(bucket) == before


@pytest.mark.parametrize("name,data,status,code", [
    ("bomb.png", png_declaring(5001, 5000, rows=5000), 413, "image_too_large"),
    ("cut.jpg", images.jpeg()[:2000], 422, "invalid_image"),
    ("notes.jpg", b"this is text, not a photo", 422, "invalid_image"),
    ("page.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", 415, "unsupported_image_format"),
])
def test_an_image_that_can_never_be_classified_gets_an_error_result(
        server: str, bucket: Any, service: Service, name: str, data: bytes, status: int,
        code: str) -> None:
    """The error result holds the error /predict answers for the same bytes (the errors
    table's), and the delivery succeeds: no retry can change it."""
    blob = upload(bucket, f"bad/{name}", data)
    response = deliver(server, sample_events.storage_finalized(blob))
    assert response.status_code == 200, response.text  # returned: no retry
    result = result_of(bucket, f"bad/{name}")
    assert result["error"]["code"] == code and result["error"]["status"] == status
    assert result["error"] == predict_error(service, data)
    assert "scores" not in result


def test_a_missing_object_gets_an_error_result(server: str, bucket: Any) -> None:
    blob = upload(bucket, "gone/soon.jpg", images.jpeg())
    event = sample_events.storage_finalized(blob)
    blob.delete()  # deleted before the function read it
    assert deliver(server, event).status_code == 200
    result = result_of(bucket, "gone/soon.jpg")
    assert result["error"]["code"] == "object_not_found" and result["error"]["status"] == 404


def test_pubsub_messages_naming_an_object_or_a_url(server: str, bucket: Any, service: Service,
                                                   image_server: HTTPServer) -> None:
    photo = images.jpeg(seed=5)
    upload(bucket, "queued/one.jpg", photo)
    message = json.dumps({"bucket": PHOTOS, "key": "queued/one.jpg"}).encode()
    assert deliver(server, sample_events.pubsub_published(message)).status_code == 200
    assert_same_scores(result_of(bucket, "queued/one.jpg"), service, photo)
    url = image_server.url_for("/img/photo.jpg")
    assert deliver(server, sample_events.pubsub_published(
        json.dumps({"url": url}).encode())).status_code == 200
    (by_url,) = [r for r in results(bucket).values() if r["source"]["uri"] == url]
    assert_same_scores(by_url, service, images.jpeg())


def test_a_cloud_storage_pubsub_notification(server: str, bucket: Any, service: Service
                                             ) -> None:
    photo = images.jpeg(seed=6)
    blob = upload(bucket, "notified/one.jpg", photo)
    assert deliver(server, sample_events.storage_notification(blob)).status_code == 200
    result = result_of(bucket, "notified/one.jpg")
    assert_same_scores(result, service, photo)
    assert result["source"]["version"] == str(blob.generation)
    bare = upload(bucket, "notified/two.jpg", photo)  # payload format NONE: attributes only
    assert deliver(server, sample_events.storage_notification(bare, False)).status_code == 200
    assert result_of(bucket, "notified/two.jpg")["scores"] == result["scores"]


@pytest.mark.parametrize("payload", [b"not base64 json", b'{"neither": "url nor key"}'])
def test_a_message_naming_nothing_is_dropped(server: str, bucket: Any, server_log: Path,
                                             payload: bytes) -> None:
    before = results(bucket)
    headers, body = sample_events.pubsub_published(payload)
    if payload.startswith(b"not"):
        data = json.loads(body)
        data["message"]["data"] = "%%%"
        body = json.dumps(data).encode()
    assert deliver(server, (headers, body)).status_code == 200
    assert results(bucket) == before
    line = json.loads(server_log.read_text().strip().splitlines()[-1])
    assert line["event"] == "object" and line["status"] == "failed"
    assert line["level"] == "WARNING" and line["error"] in ("invalid_json", "invalid_field")


def test_the_model_loaded_once_for_every_event(server: str, bucket: Any,
                                               server_log: Path) -> None:
    for seed in range(3):
        blob = upload(bucket, f"many/{seed}.jpg", images.jpeg(seed=10 + seed))
        assert deliver(server, sample_events.storage_finalized(blob)).status_code == 200
    lines = [json.loads(x) for x in server_log.read_text().splitlines() if x.startswith("{")]
    events = [x["event"] for x in lines]
    assert events.count("model_loaded") == 1 and events.count("object") >= 3


def test_a_transient_storage_failure_raises_for_a_retry(
        emulator: str, bucket: Any, tmp_path: Path) -> None:
    """Storage that cannot be reached (a closed port): the function fails the delivery, so
    Eventarc delivers the event again when the trigger retries; nothing is written."""
    blob = upload(bucket, "later/one.jpg", images.jpeg())
    before = results(bucket)
    env = server_env(servers.CLOSED, FETCH_READ_TIMEOUT="1",
                     FETCH_CONNECT_TIMEOUT="1")
    with event_server(env, tmp_path / "log") as url:
        response = deliver(url, sample_events.storage_finalized(blob))
    assert response.status_code == 500
    assert results(bucket) == before
    lines = [json.loads(x) for x in (tmp_path / "log").read_text().splitlines()
             if x.startswith('{"ts"')]
    (line,) = [x for x in lines if x["event"] == "object"]
    assert line["status"] == "retry" and line["error"] == "storage_unavailable"
