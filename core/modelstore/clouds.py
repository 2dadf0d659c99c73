"""One reader per cloud store: ``get(name, dest)`` writes the object beside the model to ``dest``.

Each reader uses its cloud's own SDK with the identity the platform gives the function (the
Lambda role, the Cloud Functions service account, the Function App's managed identity), and
the SDK's own endpoint settings (``AWS_ENDPOINT_URL_S3``, ``STORAGE_EMULATOR_HOST``,
``AZURE_STORAGE_CONNECTION_STRING``) point it elsewhere, as the tests do. The SDK is imported
here, when its store is asked for, and never otherwise. ``missing(exc)`` tells an absent object
(the manifest and labels may be absent) from every other failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.modelstore.reader import Reader
from core.modelstore.uri import ModelUri

EXTRAS = {"s3": "s3", "gs": "gcs", "azure": "azure-blob"}
SDKS = {"s3": "boto3", "gs": "google-cloud-storage",
        "azure": "azure-storage-blob and azure-identity"}


def _no_sdk(uri: ModelUri, exc: ImportError) -> ConfigError:
    return ConfigError(f"MODEL_URI {uri.shown} needs {SDKS[uri.store]}, which is not installed "
                       f"({exc.name}): pip install '.[{EXTRAS[uri.store]}]', or build the "
                       "bundle with MODEL_URI set")


def cloud_reader(uri: ModelUri, timeout: float) -> Reader:
    """The reader for ``uri``'s cloud store, its SDK client made once."""
    openers: dict[str, Callable[[ModelUri, float], Reader]] = {
        "s3": _s3, "gs": _gcs, "azure": _azure}
    try:
        return openers[uri.store](uri, timeout)
    except ImportError as exc:
        raise _no_sdk(uri, exc) from exc


def _s3(uri: ModelUri, timeout: float) -> Reader:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=timeout, read_timeout=timeout,
                    retries={"max_attempts": 3, "mode": "standard"})
    client = boto3.client("s3", config=config)

    def get(name: str, dest: Path) -> None:
        client.download_file(uri.bucket, uri.key(name), str(dest))

    def missing(exc: BaseException) -> bool:
        # Without s3:ListBucket (the least privilege), S3 answers a missing key with 403.
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "403", "AccessDenied")

    return Reader(get, missing)


def _gcs(uri: ModelUri, timeout: float) -> Reader:
    from google.api_core.exceptions import NotFound
    from google.cloud import storage
    from google.cloud.storage.retry import DEFAULT_RETRY

    bucket = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT")).bucket(uri.bucket)
    retry = DEFAULT_RETRY.with_timeout(timeout)  # its default retries for 120 s

    def get(name: str, dest: Path) -> None:
        bucket.blob(uri.key(name)).download_to_filename(str(dest), timeout=timeout,
                                                        retry=retry)

    return Reader(get, lambda exc: isinstance(exc, NotFound))


def _azure(uri: ModelUri, timeout: float) -> Reader:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob import BlobServiceClient

    # Its default retries wait 15 s, then 18 s, ...: a start should fail sooner than that.
    options: dict[str, Any] = {"connection_timeout": timeout, "read_timeout": timeout,
                               "retry_total": 2, "initial_backoff": 1, "increment_base": 2}
    connection = os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "").strip()
    if connection:
        service = BlobServiceClient.from_connection_string(connection, **options)
        if service.account_name != uri.account:
            raise ConfigError(f"MODEL_URI {uri.shown} is in account {uri.account}, but "
                              f"AZURE_STORAGE_CONNECTION_STRING is for {service.account_name}")
    else:
        from azure.identity import DefaultAzureCredential

        service = BlobServiceClient(f"https://{uri.account}.blob.core.windows.net",
                                    credential=DefaultAzureCredential(), **options)
    container = service.get_container_client(uri.bucket)

    def get(name: str, dest: Path) -> None:
        with dest.open("wb") as out:
            container.get_blob_client(uri.key(name)).download_blob(
                max_concurrency=4, timeout=max(1, round(timeout))).readinto(out)

    return Reader(get, lambda exc: isinstance(exc, ResourceNotFoundError))
