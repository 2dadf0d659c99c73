"""The three object stores, each a real server on 127.0.0.1 reached by its real SDK client
through the SDK's own endpoint setting, and a model set to upload to them."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import storage_servers as servers

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE",
                      "STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS",
                      "AZURE_STORAGE_CONNECTION_STRING", "SSL_CERT_FILE")


@dataclass(frozen=True)
class Store:
    """One bucket or container: its MODEL_URI for a key, and how the test writes to it."""

    name: str
    uri: Callable[[str], str]
    put: Callable[[str, bytes], object]
    delete: Callable[[str], object]

    def upload(self, folder: Path, prefix: str) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                self.put(prefix + path.relative_to(folder).as_posix(), path.read_bytes())


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy identities, no metadata services, refusing proxies, no endpoint from outside."""
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in servers.isolated_env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with servers.moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def gcs_host() -> Iterator[str]:
    with servers.gcs_emulator() as host:
        yield host


@pytest.fixture(scope="session")
def azurite_connection() -> Iterator[str]:
    with servers.azurite() as connection:
        yield connection


def _bucket() -> str:
    return f"models-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3(s3_endpoint: str, offline: None, monkeypatch: pytest.MonkeyPatch) -> Store:
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    client, bucket = boto3.client("s3"), _bucket()
    client.create_bucket(Bucket=bucket)
    return Store("s3", lambda key: f"s3://{bucket}/{key}",
                 lambda key, body: client.put_object(Bucket=bucket, Key=key, Body=body),
                 lambda key: client.delete_object(Bucket=bucket, Key=key))


@pytest.fixture
def gcs(gcs_host: str, offline: None, monkeypatch: pytest.MonkeyPatch) -> Store:
    from google.cloud import storage

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_host)
    bucket = storage.Client().create_bucket(_bucket())
    return Store("gs", lambda key: f"gs://{bucket.name}/{key}",
                 lambda key, body: bucket.blob(key).upload_from_string(body),
                 lambda key: bucket.blob(key).delete())


@pytest.fixture
def azure(azurite_connection: str, offline: None, monkeypatch: pytest.MonkeyPatch) -> Store:
    from azure.storage.blob import BlobServiceClient

    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection)
    service = BlobServiceClient.from_connection_string(azurite_connection)
    container = service.create_container(_bucket())
    base = f"https://{servers.AZURITE_ACCOUNT}.blob.core.windows.net/{container.container_name}"
    return Store("azure", lambda key: f"{base}/{key}",
                 lambda key, body: container.upload_blob(key, body, overwrite=True),
                 lambda key: container.delete_blob(key))


@pytest.fixture(params=["s3", "gcs", "azure"])
def store(request: pytest.FixtureRequest) -> Store:
    """Each of the three stores in turn."""
    found: Store = request.getfixturevalue(request.param)
    return found


class Lines(logging.Handler):
    """The service's JSON log lines, as dicts."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(json.loads(record.getMessage()))

    def events(self, name: str) -> list[dict[str, object]]:
        return [line for line in self.records if line.get("event") == name]


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    lines = Lines()
    logger = logging.getLogger("classifier")
    logger.addHandler(lines)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
