"""What the function writes to CloudWatch Logs, read from the real runtime client's output.

``python -m awslambdaric`` serves the handler against runtime_api; the runtime client sets
``_X_AMZN_TRACE_ID`` from each invocation's Lambda-Runtime-Trace-Id, as in Lambda. Every JSON
line of the child's stdout/stderr is parsed; every metrics line is checked by the EMF validator.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from tests import images
from tests.aws_lambda.samples import load
from tests.aws_lambda.test_runtime import TASK_ROOT, runtime
from tests.core import emf

TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE}-b7ad6b7169203331-01"
XRAY_ROOTS = ("1-67891233-abcdef012345678912345678", "1-67891234-0123456789abcdef01234567",
              "1-67891235-abcdefabcdefabcdefabcdef")


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The child's JSON log lines (the runtime and LiteRT also print plain text)."""
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def test_lambda_log_lines_through_the_runtime_client(image_server: HTTPServer,
                                                     tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    http = {**load("http_api_v2.json"), "body": base64.b64encode(images.jpeg()).decode(),
            "isBase64Encoded": True, "rawQueryString": "top_k=2&sig=s3cr3t"}
    http["headers"] = {**http["headers"], "content-type": "image/jpeg",
                       "traceparent": TRACEPARENT}
    with runtime("lambda_function.lambda_handler", TASK_ROOT, log, ALLOW_PRIVATE_URLS="true",
                 METRICS_NAMESPACE="Test/Obs", AWS_LAMBDA_FUNCTION_NAME="classifier") as api:
        direct = api.invoke({"url": image_server.url_for("/img/photo.jpg?X-Amz-Signature=s3cr3t")},
                            trace=f"Root={XRAY_ROOTS[0]};Parent=53995c3f42cd8ad8;Sampled=1")
        via_http = api.invoke(http, trace=f"Root={XRAY_ROOTS[1]};Sampled=0")
        failed = api.invoke({"url": "ftp://example.com/a.jpg"}, trace=f"Root={XRAY_ROOTS[2]}")
    assert [o.kind for o in (direct, via_http, failed)] == ["response"] * 3, log.read_text()
    text = log.read_text()
    assert "s3cr3t" not in text and "X-Amz-Signature" not in text
    records = [r for r in json_lines(log) if r.get("event") == "request"]
    assert len(records) == 3, text
    first, second, third = records
    for record, outcome, root in zip(records, (direct, via_http, failed), XRAY_ROOTS,
                                     strict=True):
        assert record["requestId"] == outcome.request_id == record["request_id"]
        assert record["xray_trace_id"] == root
        assert record["function_name"] == "classifier" and record["level"]
        assert emf.problems(record) == [], record
        assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Test/Obs"
        assert record["model"] and record["model_version"] and record["runtime"]
    assert first["cold_start"] is True and first["ColdStart"] == 1
    assert second["cold_start"] is False and "ColdStart" not in second
    assert first["url"] in ("http://127.0.0.1", "http://localhost") and first["FetchTime"] > 0
    assert "trace_id" not in first
    assert second["trace_id"] == TRACE and second["route"] == "/predict"
    assert second["ImageBytes"] == len(images.jpeg())
    assert third["level"] == "WARNING" and third["error"] == "url_not_allowed"
    assert third["Errors"] == 1 and "exception" not in third
