"""S3 -> SQS -> the handler, on moto in server mode: real notifications through a real queue,
wrapped in the SQS event Lambda's event source mapping sends; the results read back from S3."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aws_lambda.handler import handle_event
from core.api.service import Service
from tests import images
from tests.aws_lambda.samples import Context
from tests.aws_lambda.storage import RESULTS, Bucket, throttling_proxy
from tests.core.jobs.conftest import assert_scores
from tests.hostile.test_decode import png_declaring

PHOTO = Path(__file__).resolve().parents[2] / "samples" / "coat.jpg"


def test_an_upload_is_classified_with_the_scores_predict_answers(
        bucket: Bucket, events: Service) -> None:
    data = PHOTO.read_bytes()
    etag = bucket.put("uploads/summer sale/coat+1.jpg", data)
    event = bucket.event(bucket.receive(1))
    assert handle_event(events, event, Context()) == {"batchItemFailures": []}
    [(key, result)] = bucket.results().items()
    assert key == f"{RESULTS}{bucket.name}/uploads/summer sale/coat+1.jpg.{etag}.result.json"
    assert result["source"] == {"uri": f"s3://{bucket.name}/uploads/summer sale/coat+1.jpg",
                                "store": "s3", "bucket": bucket.name,
                                "key": "uploads/summer sale/coat+1.jpg", "etag": etag}
    assert_scores(result["scores"], events, data)


def test_a_redelivered_event_rewrites_the_same_result(bucket: Bucket, events: Service) -> None:
    bucket.put("uploads/a.jpg", images.jpeg())
    event = bucket.event(bucket.receive(1))
    handle_event(events, event, Context())
    first = bucket.results()
    time.sleep(0.01)
    assert handle_event(events, event, Context()) == {"batchItemFailures": []}
    again = bucket.results()
    assert list(first) == list(again) and len(again) == 1
    [key] = again
    assert again[key]["time"] > first[key]["time"]  # written again, in the same place


def test_images_that_never_classify_get_error_results_not_retries(
        bucket: Bucket, events: Service) -> None:
    bucket.put("uploads/bomb.png", png_declaring(5001, 5000, rows=5000))
    bucket.put("uploads/truncated.jpg", images.jpeg()[:3000])
    bucket.put("uploads/gone.jpg", images.jpeg())
    bucket.s3.delete_object(Bucket=bucket.name, Key="uploads/gone.jpg")
    event = bucket.event(bucket.receive(3))
    assert handle_event(events, event, Context()) == {"batchItemFailures": []}
    codes = {r["source"]["key"]: r["error"]["code"] for r in bucket.results().values()}
    assert codes == {"uploads/bomb.png": "image_too_large",
                     "uploads/truncated.jpg": "invalid_image",
                     "uploads/gone.jpg": "object_not_found"}
    assert not any("scores" in r for r in bucket.results().values())


def test_a_throttled_result_write_is_a_batch_item_failure(
        bucket: Bucket, events: Service, moto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bucket.put("uploads/a.jpg", images.jpeg())
    bucket.put("uploads/b.jpg", images.jpeg(seed=3))
    messages = bucket.receive(2)
    with throttling_proxy(moto) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", proxy)  # the function's S3 is throttled
        answer = handle_event(events, bucket.event(messages[:1]), Context())
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto)
    assert answer == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert bucket.results() == {}
    assert handle_event(events, bucket.event(messages), Context()) == {"batchItemFailures": []}
    assert len(bucket.results()) == 2


def test_results_are_never_classified(bucket: Bucket, events: Service) -> None:
    bucket.put("uploads/a.jpg", images.jpeg())
    handle_event(events, bucket.event(bucket.receive(1)), Context())
    [key] = bucket.results()
    body = bucket.s3.get_object(Bucket=bucket.name, Key=key)["Body"].read()
    bucket.put("uploads/copied.result.json", body)  # a result copied into the watched prefix
    assert handle_event(events, bucket.event(bucket.receive(1)), Context()) == {
        "batchItemFailures": []}
    assert list(bucket.results()) == [key]


def test_messages_naming_an_image_and_s3s_test_event(bucket: Bucket, events: Service) -> None:
    bucket.put("elsewhere/b.jpg", images.jpeg(seed=5))
    for body in (f'{{"bucket": "{bucket.name}", "key": "elsewhere/b.jpg"}}', "not json",
                 '{"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}'):
        bucket.sqs.send_message(QueueUrl=bucket.queue_url, MessageBody=body)
    messages = bucket.sqs.receive_message(QueueUrl=bucket.queue_url, MaxNumberOfMessages=10,
                                          AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
    assert handle_event(events, bucket.event(messages), Context()) == {"batchItemFailures": []}
    assert [r["source"]["key"] for r in bucket.results().values()] == ["elsewhere/b.jpg"]


def test_records_left_near_the_time_limit_go_back_to_the_queue(
        bucket: Bucket, events: Service) -> None:
    for name in "abc":
        bucket.put(f"uploads/{name}.jpg", images.jpeg())
    messages = bucket.receive(3)
    margin = events.settings.lambda_deadline_margin_ms
    answer = handle_event(events, bucket.event(messages), Steps([60_000, margin * 2 - 1]))
    assert answer == {"batchItemFailures": [{"itemIdentifier": m["MessageId"]}
                                            for m in messages[1:]]}
    assert len(bucket.results()) == 1


class Steps(Context):
    """Lambda's context with the remaining time it answers, call by call (the last one
    repeated): a stand-in for a clock running down; the real context is in test_runtime."""

    def __init__(self, remaining: list[int]) -> None:
        super().__init__()
        self.left = list(remaining)

    def get_remaining_time_in_millis(self) -> int:
        return self.left.pop(0) if len(self.left) > 1 else self.left[0]
