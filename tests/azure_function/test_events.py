"""The Event Grid function (``classify_blob``) with Azurite as the storage account.

The Functions host (Core Tools, .NET) cannot run here, so it is not run: these tests read the
binding metadata the host would index from the app (``get_functions()``, the function.json it
builds), and call the registered function with the ``func.EventGridEvent`` the worker builds
from a BlobCreated event in Microsoft's documented Event Grid schema. The blob is read and the
result written through azure-storage-blob, pointed at Azurite by its connection string.
"""

from __future__ import annotations

import copy
import inspect
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.decorators.eventgrid import EventGridTrigger

import azure_function.function_app as function_app
from core import errors
from core.api.service import Service
from core.errors import ConfigError
from core.inference.classifier import Classifier
from tests import images
from tests import storage_servers as servers
from tests.azure_function.context import Context
from tests.conftest import make_settings
from tests.event_scores import assert_same_scores, predict_error
from tests.gcp_function.sample_events import fill
from tests.hostile.test_decode import png_declaring

SAMPLE = json.loads((Path(__file__).parent / "events" / "blob_created.json").read_text())
ACCOUNT = servers.AZURITE_ACCOUNT
PHOTOS, RESULTS = "photos", "results"


@pytest.fixture(scope="module")
def azurite() -> Iterator[str]:
    with servers.azurite() as connection:
        yield connection


@pytest.fixture
def containers(azurite: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Fresh photo and result containers in Azurite."""
    from azure.storage.blob import BlobServiceClient

    for name, value in servers.isolated_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite)
    client, suffix = BlobServiceClient.from_connection_string(azurite), uuid.uuid4().hex[:8]
    return (client.create_container(f"{PHOTOS}-{suffix}"),
            client.create_container(f"{RESULTS}-{suffix}"))


@pytest.fixture
def photos(containers: tuple[Any, Any], classifier: Classifier,
           monkeypatch: pytest.MonkeyPatch) -> Any:
    """The photo container; results go to the other one, as RESULTS_URI says."""
    photos, results = containers
    uri = f"https://{ACCOUNT}.blob.core.windows.net/{results.container_name}/out/"
    monkeypatch.setattr(function_app, "service",
                        Service(make_settings(results_uri=uri), classifier=classifier))
    return photos


def upload(container: Any, name: str, data: bytes) -> func.EventGridEvent:
    """Upload ``data`` as blob ``name`` and return the BlobCreated event of that upload."""
    blob = container.upload_blob(name, data, overwrite=True)
    return blob_created(container.container_name, name, blob.get_blob_properties().etag,
                        len(data))


def blob_created(container: str, name: str, etag: str, length: int,
                 **changes: Any) -> func.EventGridEvent:
    """The documented BlobCreated event, filled in, as the worker hands it to the function."""
    sample = fill(copy.deepcopy(SAMPLE), {
        "ACCOUNT": ACCOUNT, "CONTAINER": container, "BLOB": name, "ID": str(uuid.uuid4()),
        "ETAG": etag.strip('"')})
    sample["data"]["contentLength"] = length
    sample["data"].update(changes.pop("data", {}))
    sample.update(changes)
    return func.EventGridEvent(
        id=sample["id"], data=sample["data"], topic=sample["topic"], subject=sample["subject"],
        event_type=sample["eventType"], data_version=sample["dataVersion"],
        event_time=datetime.fromisoformat(sample["eventTime"][:26]).replace(tzinfo=UTC))


def registered() -> dict[str, func.Function]:
    function_app.app.functions_bindings = None  # the worker indexes once; tests re-index
    return {str(f.get_function_name()): f for f in function_app.app.get_functions()}


def deliver(event: func.EventGridEvent) -> None:
    """One delivery to the registered function, as the worker makes it."""
    registered()["classify_blob"].get_user_function()(event, Context("classify_blob"))


def results(service_results: Any) -> dict[str, dict[str, Any]]:
    return {b.name: json.loads(service_results.download_blob(b.name).readall())
            for b in service_results.list_blobs()}


def result_of(containers: tuple[Any, Any], name: str) -> dict[str, Any]:
    (found,) = [r for r in results(containers[1]).values() if r["source"].get("key") == name]
    return found


def test_the_binding_is_an_event_grid_trigger_on_the_function_parameter() -> None:
    function = registered()["classify_blob"]
    assert isinstance(function.get_trigger(), EventGridTrigger)
    bindings = json.loads(function.get_function_json())["bindings"]
    assert bindings == [{"direction": "IN", "type": "eventGridTrigger", "name": "event"}]
    parameters = inspect.signature(function.get_user_function()).parameters
    assert list(parameters) == ["event", "context"]  # the worker binds by these names
    assert parameters["event"].annotation in (func.EventGridEvent, "func.EventGridEvent")
    assert not function.is_http_function()


def test_a_created_photo_gets_the_scores_predict_answers(
        containers: tuple[Any, Any], photos: Any, service: Service) -> None:
    photo = images.jpeg(seed=1)
    event = upload(photos, "in/my photo+1.jpg", photo)
    deliver(event)
    result = result_of(containers, "in/my photo+1.jpg")
    assert_same_scores(result, service, photo)
    etag = event.get_json()["eTag"]
    assert result["source"] == {
        "uri": f"https://{ACCOUNT}.blob.core.windows.net/{photos.container_name}/in/my%20photo%2B1.jpg",
        "store": "azure", "bucket": photos.container_name, "key": "in/my photo+1.jpg",
        "account": ACCOUNT, "etag": etag}
    assert result["model"]["sha256"] == service.pipeline.classifier.sha256


def test_a_redelivered_event_writes_no_second_result(containers: tuple[Any, Any],
                                                     photos: Any) -> None:
    event = upload(photos, "again.jpg", images.jpeg(seed=2))
    deliver(event)
    deliver(event)
    assert len(results(containers[1])) == 1
    deliver(upload(photos, "again.jpg", images.jpeg(seed=3)))  # new content, new ETag
    assert len(results(containers[1])) == 2


@pytest.mark.parametrize("name,data,code", [
    ("bomb.png", png_declaring(5001, 5000, rows=5000), "image_too_large"),
    ("cut.jpg", images.jpeg()[:2000], "invalid_image"),
    ("page.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "unsupported_image_format"),
])
def test_an_image_that_can_never_be_classified_gets_an_error_result(
        containers: tuple[Any, Any], photos: Any, service: Service, name: str, data: bytes,
        code: str) -> None:
    deliver(upload(photos, name, data))  # returns: Event Grid does not deliver it again
    result = result_of(containers, name)
    assert result["error"]["code"] == code
    assert result["error"] == predict_error(service, data) and "scores" not in result


def test_a_missing_blob_gets_an_error_result(containers: tuple[Any, Any], photos: Any) -> None:
    event = upload(photos, "gone.jpg", images.jpeg())
    photos.delete_blob("gone.jpg")
    deliver(event)
    assert result_of(containers, "gone.jpg")["error"]["code"] == "object_not_found"


def test_the_loop_guard_never_classifies_a_result(azurite: str, containers: tuple[Any, Any],
                                                  photos: Any) -> None:
    """Results written into the watched container itself, under RESULTS_URI's prefix."""
    uri = f"https://{ACCOUNT}.blob.core.windows.net/{photos.container_name}/out/"
    service = Service(make_settings(results_uri=uri),
                      classifier=function_app.service.pipeline.classifier)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(function_app, "service", service)
        deliver(upload(photos, "in/guarded.jpg", images.jpeg(seed=4)))
        (written,) = [b for b in photos.list_blobs() if b.name.startswith("out/")]
        deliver(blob_created(photos.container_name, written.name, written.etag, written.size))
        assert [b.name for b in photos.list_blobs() if b.name.startswith("out/")] == [
            written.name]


def test_events_that_name_no_new_blob_write_nothing(containers: tuple[Any, Any],
                                                    photos: Any) -> None:
    photos.upload_blob("kept.jpg", images.jpeg())
    deleted = blob_created(photos.container_name, "kept.jpg", "0x1", 0,
                           eventType="Microsoft.Storage.BlobDeleted")
    empty = blob_created(photos.container_name, "lake/new.jpg", "0x2", 0,
                         data={"api": "CreateFile"})  # Data Lake: bytes come with a flush
    elsewhere = blob_created(photos.container_name, "x.jpg", "0x3", 0,
                             subject="/blobServices/default/containers/only-a-container")
    for event in (deleted, empty, elsewhere):
        deliver(event)
    assert results(containers[1]) == {}


def test_a_transient_storage_failure_raises_for_a_retry(
        containers: tuple[Any, Any], photos: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Storage that cannot be reached: the function raises, so Event Grid delivers the event
    again (its retry policy); nothing is written."""
    event = upload(photos, "later.jpg", images.jpeg())
    closed = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey="
              f"{servers.AZURITE_KEY};BlobEndpoint={servers.CLOSED}/{ACCOUNT};")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", closed)
    with pytest.raises(errors.StorageUnavailable):
        deliver(event)
    assert results(containers[1]) == {}


def test_without_results_uri_the_event_fails_for_a_retry(
        classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(function_app, "service", Service(make_settings(), classifier=classifier))
    with pytest.raises(ConfigError, match="RESULTS_URI"):
        deliver(blob_created(PHOTOS, "a.jpg", "0x1", 10))
