"""The storage event shapes as AWS documents them (tests/events/storage/): a direct S3
notification and EventBridge's "Object Created" (both asynchronous: a transient failure is a
function error, for Lambda to retry), told apart from every HTTP shape; and an SQS batch
through the real runtime interface (the Lambda RIE from the SAM CLI wheel + awslambdaric)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from aws_lambda.events import find_shape, is_storage_event
from aws_lambda.handler import handle_event
from aws_lambda.jobs import RetryLater
from core.api.service import Service
from tests import images
from tests import storage_servers as servers
from tests.aws_lambda.samples import NAMES, Context, load
from tests.aws_lambda.storage import RESULTS, Bucket, encoded, fill
from tests.core.jobs.conftest import assert_scores
from tests.processes import free_port, stop

ROOT = Path(__file__).resolve().parents[2]
SAM_LIB = ROOT / ".venv" / "sam" / "lib"


@pytest.mark.parametrize("name", ["s3_put.json", "eventbridge_object_created.json"])
def test_a_documented_async_event_writes_the_result(
        name: str, bucket: Bucket, events: Service) -> None:
    key = "uploads/new arrivals/shirt (1)+.jpg"
    etag = bucket.put(key, images.jpeg(seed=7))
    event = fill(name, bucket=bucket.name, key=encoded(key), etag=etag)
    assert handle_event(events, event, Context()) == {"ok": 1}
    [result] = bucket.results().values()
    assert result["source"]["key"] == key and result["source"]["etag"] == etag
    assert len(result["scores"]) == 10


def test_an_async_event_that_failed_transiently_raises_for_lambda_to_retry(
        bucket: Bucket, events: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    etag = bucket.put("uploads/a.jpg", images.jpeg())
    event = fill("s3_put.json", bucket=bucket.name, key="uploads/a.jpg", etag=etag)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", servers.CLOSED)
    with pytest.raises(RetryLater):
        handle_event(events, event, Context())


def test_the_code_skips_results_even_without_the_templates_filter(
        bucket: Bucket, events: Service) -> None:
    etag = bucket.put(f"{RESULTS}x.jpg", images.jpeg())
    event = fill("s3_put.json", bucket=bucket.name, key=f"{RESULTS}x.jpg", etag=etag)
    assert handle_event(events, event, Context()) == {"skipped": 1}
    assert bucket.results() == {}


def test_other_s3_records_name_nothing(bucket: Bucket, events: Service) -> None:
    event = fill("s3_put.json", bucket=bucket.name, key="uploads/a.jpg", etag="x")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    assert handle_event(events, event, Context()) == {}
    assert bucket.results() == {}


@pytest.mark.parametrize("name", NAMES)
def test_no_http_event_looks_like_a_storage_event(name: str) -> None:
    event = load(name)
    assert not is_storage_event(event)
    assert find_shape(event).__name__ != "aws_lambda.events.sqs"  # type: ignore[attr-defined]


def test_each_storage_event_is_one(bucket: Bucket) -> None:
    for name in ("s3_put.json", "eventbridge_object_created.json"):
        assert is_storage_event(fill(name, bucket="b", key="k", etag="e"))
    assert is_storage_event({"Records": [fill("sqs_record.json")]})


def rie() -> Path:
    found = sorted(SAM_LIB.glob("python*/site-packages/samcli/local/rapid/aws-lambda-rie-x86_64"))
    if not found:
        pytest.fail(f"the Lambda RIE is missing under {SAM_LIB}: `make test-deps` installs SAM")
    return found[0]


def test_an_sqs_batch_through_the_runtime_interface_emulator(
        bucket: Bucket, moto: str, tmp_path: Path) -> None:
    bucket.put("uploads/a.jpg", images.jpeg())
    event = bucket.event(bucket.receive(1))
    port, log = free_port(), tmp_path / "rie.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAMBDA_TASK_ROOT": str(ROOT / "aws_lambda"),
           "MODEL_THREADS": "1", "RESULTS_URI": f"s3://{bucket.name}/{RESULTS}"}
    with log.open("wb") as out:
        child = subprocess.Popen(
            [str(rie()), "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
             "--runtime-api-address", f"127.0.0.1:{free_port()}", sys.executable, "-m",
             "awslambdaric", "lambda_function.lambda_handler"],
            cwd=ROOT / "aws_lambda", env=env, stdout=out, stderr=out)
        try:
            servers.wait_for(port)
            answer = invoke(port, event)
        finally:
            stop(child)
    assert answer == {"batchItemFailures": []}, log.read_text()
    [result] = bucket.results().values()
    assert result["source"]["key"] == "uploads/a.jpg" and len(result["scores"]) == 10
    assert '"event":"object"' in log.read_text()


def invoke(port: int, event: Any) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations",
        data=json.dumps(event).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def test_a_versioned_upload_is_read_at_the_version_the_event_names(
        bucket: Bucket, events: Service) -> None:
    bucket.s3.put_bucket_versioning(Bucket=bucket.name,
                                    VersioningConfiguration={"Status": "Enabled"})
    first, second = images.jpeg(seed=1), images.jpeg(seed=2)
    put = bucket.s3.put_object(Bucket=bucket.name, Key="uploads/v.jpg", Body=first)
    bucket.put("uploads/v.jpg", second)  # overwritten before the event is handled
    event = fill("s3_put.json", bucket=bucket.name, key="uploads/v.jpg",
                 etag=put["ETag"].strip('"'))
    event["Records"][0]["s3"]["object"]["versionId"] = put["VersionId"]
    assert handle_event(events, event, Context()) == {"ok": 1}
    [(key, result)] = bucket.results().items()
    assert key.endswith(f".{put['VersionId']}.result.json")
    assert result["source"]["version"] == put["VersionId"]
    assert_scores(result["scores"], events, first)
