"""The storage-event tests' moto server (S3 and SQS), a wired bucket and the event
function's service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.api.service import Service
from core.inference.classifier import Classifier
from tests import storage_servers as servers
from tests.aws_lambda.storage import RESULTS, Bucket, make_bucket
from tests.conftest import make_settings

ENDPOINTS = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE")


@pytest.fixture(scope="session")
def moto() -> Iterator[str]:
    with servers.moto_s3() as endpoint:  # one moto server answers S3 and SQS
        yield endpoint


@pytest.fixture
def bucket(moto: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    for name in ENDPOINTS:
        monkeypatch.delenv(name, raising=False)
    for name, value in servers.isolated_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", moto)
    return make_bucket()


@pytest.fixture
def events(bucket: Bucket, classifier: Classifier) -> Service:
    """The event function's service: results under ``results/`` of the watched bucket."""
    settings = make_settings(results_uri=f"s3://{bucket.name}/{RESULTS}")
    return Service(settings, classifier=classifier)
