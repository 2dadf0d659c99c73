"""Amazon S3 through boto3 (``AWS_ENDPOINT_URL_S3`` points it at another server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from core import errors
from core.config import Settings
from core.jobs.objects import ObjectRef, bare_etag
from core.jobs.stores.common import Blob, time_left, too_large

MISSING = {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "404", "NotFound"}
REFUSED = {"AccessDenied", "403", "Forbidden", "AllAccessDisabled", "InvalidAccessKeyId",
           "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "AccountProblem"}
THROTTLED = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
             "RequestTimeTooSkewed", "ServiceUnavailable", "InternalError", "503", "500"}


def translated(exc: Exception, ref: ObjectRef) -> errors.ServiceError:
    """The service error for a boto3 failure on ``ref``."""
    from botocore.exceptions import ClientError

    shown = errors.shown(ref.uri, 200)
    if not isinstance(exc, ClientError):  # connection, timeout, a dropped read
        return errors.StorageUnavailable(f"S3 could not be reached for {shown} "
                                         f"({type(exc).__name__})")
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in MISSING:
        return errors.ObjectNotFound(f"{shown} does not exist ({code})")
    if code in THROTTLED or status == 429 or status >= 500:
        return errors.StorageUnavailable(f"S3 answered {code or status} for {shown}")
    if code in REFUSED:
        return errors.StorageForbidden(f"S3 refused access to {shown} ({code})")
    return errors.StorageForbidden(f"S3 refused {shown} ({errors.shown(code, 40)})")


class S3Store:
    """Objects in S3 buckets, with the function's own identity."""

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        self._failures: tuple[type[Exception], ...] = (BotoCoreError, ClientError)
        self._read_timeout = settings.fetch_read_timeout
        config = Config(connect_timeout=settings.fetch_connect_timeout,
                        read_timeout=settings.fetch_read_timeout,
                        retries={"max_attempts": 3, "mode": "standard"})
        self._client: Any = boto3.client("s3", config=config)

    def read(self, ref: ObjectRef, max_bytes: int, deadline: float) -> Blob:
        time_left(deadline, self._read_timeout)
        args: dict[str, str] = {"Bucket": ref.bucket, "Key": ref.key}
        if ref.version:
            args["VersionId"] = ref.version
        try:
            answer = self._client.get_object(**args)
            too_large(answer.get("ContentLength"), max_bytes)
            data: bytes = answer["Body"].read(max_bytes + 1)
        except self._failures as exc:
            raise translated(exc, ref) from exc
        too_large(len(data), max_bytes)
        identity = {"version": answer.get("VersionId") or ref.version,
                    "etag": bare_etag(answer.get("ETag")) or ref.etag}
        return Blob(data, ref.child(ref.key, **identity))

    def write(self, ref: ObjectRef, body: bytes, content_type: str) -> None:
        try:
            self._client.put_object(Bucket=ref.bucket, Key=ref.key, Body=body,
                                    ContentType=content_type)
        except self._failures as exc:
            raise translated(exc, ref) from exc

    def list(self, prefix: ObjectRef) -> Iterator[ObjectRef]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=prefix.bucket, Prefix=prefix.key)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield prefix.child(item["Key"], etag=bare_etag(item.get("ETag")))
        except self._failures as exc:
            raise translated(exc, prefix) from exc
