"""A bucket whose notifications go to a queue, on moto in server mode (S3 and SQS through
boto3's own endpoint settings), and the event shapes AWS documents, filled in."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

from tests.processes import in_thread

EVENTS = Path(__file__).resolve().parents[1] / "events" / "storage"
SOURCE, RESULTS = "uploads/", "results/"


def fill(name: str, **values: str) -> Any:
    """The sample event ``name`` with each ``__NAME__`` placeholder string replaced."""
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            for key, value in values.items():
                node = node.replace(f"__{key.upper()}__", value)
        return node

    return walk(json.loads((EVENTS / name).read_text(encoding="utf-8")))


def encoded(key: str) -> str:
    """A key as S3 notifications carry it: URL-encoded, spaces as ``+``."""
    return quote_plus(key, safe="/")


@dataclass
class Bucket:
    """A bucket notifying a queue of every object created under ``uploads/``."""

    s3: Any
    sqs: Any
    name: str
    queue_url: str
    queue_arn: str

    def put(self, key: str, body: bytes) -> str:
        """Upload; the object's ETag."""
        return str(self.s3.put_object(Bucket=self.name, Key=key, Body=body)["ETag"]).strip('"')

    def receive(self, count: int) -> list[dict[str, Any]]:
        """At least ``count`` messages from the queue (S3's test event left out)."""
        found: list[dict[str, Any]] = []
        for _ in range(20):
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                              AttributeNames=["All"], WaitTimeSeconds=1)
            found += [m for m in answer.get("Messages", [])
                      if "s3:TestEvent" not in m["Body"]]
            if len(found) >= count:
                return found
        raise AssertionError(f"{len(found)} of {count} notifications arrived")

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The SQS event Lambda's event source mapping would invoke with."""
        return {"Records": [fill("sqs_record.json", message_id=m["MessageId"],
                                 receipt_handle=m["ReceiptHandle"], body=m["Body"],
                                 md5=m["MD5OfBody"], queue_arn=self.queue_arn)
                            for m in messages]}

    def results(self) -> dict[str, dict[str, Any]]:
        """Every result object (``*.result.json``) under ``results/``, by key."""
        listed = self.s3.list_objects_v2(Bucket=self.name, Prefix=RESULTS).get("Contents", [])
        return {item["Key"]: json.loads(self.s3.get_object(
            Bucket=self.name, Key=item["Key"])["Body"].read()) for item in listed
                if item["Key"].endswith(".result.json")}


def make_bucket() -> Bucket:
    """A new bucket and queue (boto3 reads AWS_ENDPOINT_URL_S3 / _SQS), wired as the template
    wires them: ObjectCreated:* under ``uploads/`` to the queue."""
    import boto3

    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    name = f"photos-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [
                                     {"Name": "prefix", "Value": SOURCE}]}}}]})
    return Bucket(s3, sqs, name, url, arn)


@contextmanager
def throttling_proxy(upstream: str, marker: str = "/" + RESULTS) -> Iterator[str]:
    """A proxy on 127.0.0.1 in front of moto that answers every PUT whose path holds
    ``marker`` with S3's 503 SlowDown, and forwards everything else. A mock of throttling
    only: nothing here can make moto (or a real S3) throttle on demand."""
    target = urlsplit(upstream)

    class Proxy(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            if self.command == "PUT" and marker in self.path:  # before the body, as S3 does
                # when the client waits for "100 Continue" (boto3 does for PutObject)
                error = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                         b"<Message>Please reduce your request rate.</Message></Error>")
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                self.close_connection = True
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port,
                                                    timeout=10)
            connection.request(self.command, self.path, body, dict(self.headers))
            answer = connection.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            connection.close()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    with in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Proxy)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}"
