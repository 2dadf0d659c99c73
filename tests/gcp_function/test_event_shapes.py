"""Events the function cannot act on, through the framework's own Flask app for the event
target (``create_app(target="classify_event")``): each is acknowledged (no retry can help) with
one WARNING line naming why, and no store is opened. The storage round trips are in
test_events.py."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app

from core.api.service import Service
from core.inference.classifier import Classifier
from tests.conftest import ROOT, make_settings
from tests.logcapture import captured

SOURCE = ROOT / "gcp_function" / "main.py"
STORAGE = "google.cloud.storage.object.v1.finalized"
PUBSUB = "google.cloud.pubsub.topic.v1.messagePublished"


@pytest.fixture(scope="module")
def client(classifier: Classifier) -> Iterator[FlaskClient]:
    app = create_app(target="classify_event", source=str(SOURCE),  # type: ignore[no-untyped-call]
                     signature_type="cloudevent")
    service = Service(make_settings(results_uri="gs://results/out/"), classifier=classifier)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["main"], "service", service)
        yield app.test_client()


def send(client: FlaskClient, kind: str, data: Any) -> dict[str, Any]:
    """Deliver one binary-mode CloudEvent; its one log line."""
    headers = {"ce-id": "e-1", "ce-specversion": "1.0", "ce-type": kind,
               "ce-source": "//storage.googleapis.com/projects/_/buckets/photos"}
    with captured() as lines:
        response = client.post("/", data=json.dumps(data), headers=headers,
                               content_type="application/json")
    assert response.status_code == 200, response.data
    (line,) = lines.records()
    return line


def message(payload: bytes, **attributes: str) -> dict[str, Any]:
    return {"message": {"data": base64.b64encode(payload).decode(), "messageId": "1",
                        "attributes": attributes}, "subscription": "projects/p/subscriptions/s"}


@pytest.mark.parametrize("kind,data,code", [
    ("google.cloud.storage.object.v1.deleted", {"bucket": "photos", "name": "a.jpg"},
     "invalid_field"),
    (STORAGE, {"name": "a.jpg"}, "invalid_field"),
    (STORAGE, {"bucket": "photos", "name": ""}, "invalid_field"),
    (STORAGE, ["photos", "a.jpg"], "invalid_field"),
    (PUBSUB, {"subscription": "projects/p/subscriptions/s"}, "invalid_field"),
    (PUBSUB, {"message": {"data": "%%%"}}, "invalid_json"),
    (PUBSUB, message(b"[1, 2]"), "invalid_field"),
    (PUBSUB, message(b"", eventType="OBJECT_DELETE", bucketId="photos", objectId="a.jpg"),
     "invalid_field"),
    (PUBSUB, message(b"", eventType="OBJECT_FINALIZE"), "invalid_json"),  # not Cloud Storage's
])
def test_an_event_that_names_nothing_is_acknowledged_with_a_warning(
        client: FlaskClient, kind: str, data: Any, code: str) -> None:
    line = send(client, kind, data)
    assert line["event"] == "object" and line["status"] == "failed"
    assert line["level"] == "WARNING" and line["error"] == code
    assert line["platform"] == "gcp" and line["event_id"] == "e-1"
    assert "result" not in line  # nothing written


def test_the_object_names_the_generation_as_google_sends_it(client: FlaskClient) -> None:
    """StorageObjectData's generation is a string on the wire, a number in Google's samples."""
    main = sys.modules["main"]
    as_text = main.storage_object({"bucket": "b", "name": "k", "generation": "1712", "etag": "e"})
    as_number = main.storage_object({"bucket": "b", "name": "k", "generation": 1712})
    assert as_text.version == as_number.version == "1712" and as_text.etag == "e"
    assert main.storage_object({"bucket": "b", "name": "k"}).version is None


def test_without_results_uri_the_event_fails_for_a_retry(client: FlaskClient,
                                                        classifier: Classifier,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nowhere to write: the delivery fails (ConfigError naming RESULTS_URI), so a trigger
    with retries keeps the event until the setting is fixed."""
    monkeypatch.setattr(sys.modules["main"], "service",
                        Service(make_settings(), classifier=classifier))
    headers = {"ce-id": "e-2", "ce-specversion": "1.0", "ce-type": STORAGE,
               "ce-source": "//storage.googleapis.com/projects/_/buckets/photos"}
    with captured() as lines:
        response = client.post("/", json={"bucket": "photos", "name": "a.jpg"},
                               headers=headers)
    assert response.status_code == 500
    (line,) = lines.records()
    assert line["level"] == "ERROR" and line["error"] == "config_error"
    assert line["message"].startswith("RESULTS_URI is not set")
