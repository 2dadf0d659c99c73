"""The three object stores as real servers (moto, the GCS emulator, Azurite, from the model
store's tests), a runner writing results beside the sources, and the reference scores."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from PIL import Image

from core import config
from core.api.service import Service
from core.jobs.objects import ObjectRef, parse_object_uri
from core.jobs.results import Results
from core.jobs.runner import Runner
from core.messages import Request
from models.build.features import input_mapper
from tests.conftest import make_settings
from tests.core.modelstore.conftest import (  # noqa: F401 - fixtures used by the tests here
    Store,
    azure,
    azurite_connection,
    gcs,
    gcs_host,
    offline,
    s3,
    s3_endpoint,
)

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here


@dataclass(frozen=True)
class Place:
    """A bucket (or container) on one store: a runner whose results go under ``results/``
    there, how the test writes and reads objects, and the ObjectRef of a key."""

    store: Store
    runner: Runner
    get: Callable[[str], bytes | None]

    def ref(self, key: str) -> ObjectRef:
        return parse_object_uri(self.store.uri(key))

    def result(self, key: str) -> dict[str, Any] | None:
        body = self.get(key)
        return None if body is None else dict(json.loads(body))


def place(store: Store, service: Service, get: Callable[[str], bytes | None]) -> Place:
    settings = make_settings(results_uri=store.uri("results/"))
    return Place(store, Runner(service.pipeline, Results.from_settings(settings)), get)


def predict(service: Service, data: bytes) -> dict[str, float]:
    """What /predict answers for ``data``, uploaded as the image body."""
    response = service.handle(Request("POST", "/predict", {"content-type": "image/jpeg"}, {},
                                      data))
    assert response.status == 200, response.body
    answer: dict[str, float] = response.json()
    return answer


def reference(data: bytes) -> dict[str, float]:
    """Scores computed without the service: Pillow's decode and bilinear resize, the model's
    own input mapping, the LiteRT interpreter on the committed model."""
    manifest = json.loads(DEFAULT_MODEL.with_name("model.json").read_text(encoding="utf-8"))
    model = Interpreter(str(DEFAULT_MODEL), num_threads=2)
    model.allocate_tensors()
    size = (manifest["input"]["width"], manifest["input"]["height"])
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB").resize(
        size, Image.Resampling.BILINEAR))
    detail = model.get_input_details()[0]
    model.set_tensor(detail["index"], input_mapper(detail)(pixels))
    model.invoke()
    scores = model.get_tensor(model.get_output_details()[0]["index"])[0]
    return {label: float(v) for label, v in zip(manifest["labels"], scores, strict=True)}


def assert_scores(scores: dict[str, float], service: Service, data: bytes) -> None:
    """``scores`` are exactly /predict's answer, best first, and agree with the reference."""
    answer = predict(service, data)
    assert scores == answer
    assert list(scores) == list(answer)
    expected = reference(data)
    assert scores.keys() == expected.keys()
    assert max(abs(scores[k] - expected[k]) for k in scores) < 1e-5


def soon(seconds: float = 20.0) -> float:
    return time.monotonic() + seconds


def _s3_get(store: Store) -> Callable[[str], bytes | None]:
    import boto3

    client = boto3.client("s3")
    bucket = store.uri("").split("/")[2]

    def get(key: str) -> bytes | None:
        try:
            body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None
        return body

    return get


def _gcs_get(store: Store) -> Callable[[str], bytes | None]:
    from google.cloud import storage

    bucket = storage.Client().bucket(store.uri("").split("/")[2])

    def get(key: str) -> bytes | None:
        blob = bucket.get_blob(key)
        return None if blob is None else bytes(blob.download_as_bytes())

    return get


def _azure_get(store: Store, connection: str) -> Callable[[str], bytes | None]:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import BlobServiceClient

    container = BlobServiceClient.from_connection_string(connection).get_container_client(
        store.uri("").split("/")[3])

    def get(key: str) -> bytes | None:
        try:
            return bytes(container.download_blob(key).readall())
        except ResourceNotFoundError:
            return None

    return get


@pytest.fixture
def s3_place(s3: Store, service: Service) -> Place:  # noqa: F811 - the imported fixture
    return place(s3, service, _s3_get(s3))


@pytest.fixture
def gcs_place(gcs: Store, service: Service) -> Place:  # noqa: F811
    return place(gcs, service, _gcs_get(gcs))


@pytest.fixture
def azure_place(azure: Store, azurite_connection: str,  # noqa: F811
                service: Service) -> Place:
    return place(azure, service, _azure_get(azure, azurite_connection))


@pytest.fixture(params=["s3", "gcs", "azure"])
def anywhere(request: pytest.FixtureRequest) -> Place:
    """Each of the three stores in turn."""
    found: Place = request.getfixturevalue(f"{request.param}_place")
    return found
