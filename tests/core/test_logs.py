"""The request line in each platform's shape, its EMF metrics, trace ids and cold start."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from core.api.service import Service
from core.config import Settings
from core.errors import ConfigError
from core.inference.classifier import Classifier
from core.messages import Invocation, Request
from core.telemetry import request_log as logs
from tests import images
from tests.conftest import ROOT, make_settings
from tests.core import emf
from tests.logcapture import Lines, captured

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{SPAN}-01"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def logged() -> Iterator[Lines]:
    level = logs.LOGGER.level
    try:
        with captured() as handler:
            yield handler
    finally:
        logs.LOGGER.setLevel(level)


def serve(classifier: Classifier, **settings: Any) -> Service:
    service = Service(make_settings(**settings), classifier=classifier)
    service.warm()
    return service


def predict(service: Service, platform: str = "", headers: dict[str, str] | None = None,
            body: bytes | None = None, **invocation: str) -> int:
    request = Request("POST", "/prod/predict", {"content-type": "image/jpeg", **(headers or {})},
                      {"token": "s3cr3t-query"}, images.jpeg() if body is None else body,
                      invocation=Invocation(platform=platform, **invocation))
    return service.handle(request).status


def only(logged: Lines) -> dict[str, Any]:
    (record,) = logged.records()
    assert "s3cr3t-query" not in logged.lines[0] and "token" not in logged.lines[0]
    return record


def test_local_line_carries_model_route_timings_and_trace(classifier: Classifier,
                                                          logged: Lines) -> None:
    service = serve(classifier)
    assert predict(service, headers={"traceparent": TRACEPARENT}) == 200
    record = only(logged)
    assert record["level"] == "INFO" and record["event"] == "request"
    assert record["route"] == "/predict" and record["path"] == "/prod/predict"
    assert record["model"] == classifier.manifest.name
    assert record["model_version"] == classifier.manifest.version
    assert record["runtime"] == classifier.runtime.name
    assert record["image_bytes"] == len(images.jpeg()) and record["status"] == 200
    assert set(record["timings"]) >= {"decode", "inference"} and record["ms"] > 0
    assert record["trace_id"] == TRACE and record["span_id"] == SPAN
    assert isinstance(record["cold_start"], bool)
    assert "_aws" not in record  # metrics only where CloudWatch reads them


def test_lambda_line_has_lambda_fields_xray_and_valid_emf(classifier: Classifier,
                                                          logged: Lines) -> None:
    service = serve(classifier, metrics_namespace="Test/Classifier", service_name="clf")
    assert predict(service, "aws_lambda", {"traceparent": TRACEPARENT}, invocation_id="aws-1",
                   xray_trace=XRAY, function_name="classifier") == 200
    record = only(logged)
    assert record["level"] == "INFO" and record["requestId"] == "aws-1"
    assert record["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert record["trace_id"] == TRACE and record["function_name"] == "classifier"
    assert record["message"].startswith("POST /prod/predict 200 ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
    assert emf.problems(record) == []
    (main,) = record["_aws"]["CloudWatchMetrics"][:1]
    assert main["Namespace"] == "Test/Classifier"
    assert main["Dimensions"] == [["service", "model", "route"]]
    assert (record["service"], record["model"], record["route"]) == \
        ("clf", classifier.manifest.name, "/predict")
    names = {m["Name"]: m["Unit"] for m in main["Metrics"]}
    assert names == {"TotalTime": "Milliseconds", "DecodeTime": "Milliseconds",
                     "InferenceTime": "Milliseconds", "ImageBytes": "Bytes"}
    assert record["TotalTime"] == record["ms"] and record["ImageBytes"] == len(images.jpeg())


def test_lambda_error_counts_per_code_and_cold_start_once(
        classifier: Classifier, logged: Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "_requests", iter(range(10**6)))  # a fresh process
    service = serve(classifier)
    assert predict(service, "aws_lambda", body=b"\xff\xd8\xffnot a jpeg") == 422
    assert predict(service, "aws_lambda") == 200
    first, second = logged.records()
    assert emf.problems(first) == [] and emf.problems(second) == []
    assert first["cold_start"] is True and first["ColdStart"] == 1
    assert second["cold_start"] is False and "ColdStart" not in second
    directives = first["_aws"]["CloudWatchMetrics"]
    errors = next(d for d in directives if d["Metrics"][0]["Name"] == "Errors")
    assert errors["Dimensions"] == [["service", "model", "route", "error"]]
    assert first["error"] == "invalid_image" and first["Errors"] == 1
    cold = next(d for d in directives if d["Metrics"][0]["Name"] == "ColdStart")
    assert cold["Dimensions"] == [["service"]]
    assert first["level"] == "WARNING" and "message" in first and "exception" not in first
    assert not any(d["Metrics"][0]["Name"] == "Errors" for d in second["_aws"]["CloudWatchMetrics"])


def test_metrics_off_and_a_quiet_log_level(classifier: Classifier, logged: Lines) -> None:
    assert predict(serve(classifier, metrics="off"), "aws_lambda") == 200
    assert "_aws" not in only(logged)
    logged.lines.clear()
    quiet = serve(classifier, log_level="ERROR")
    assert predict(quiet, "aws_lambda", invocation_id="aws-2") == 200
    record = only(logged)  # the INFO line is dropped, its metrics are not
    assert emf.problems(record) == [] and record["requestId"] == "aws-2"
    assert "level" not in record and "status" not in record and record["route"] == "/predict"
    logged.lines.clear()
    assert predict(serve(classifier, log_level="ERROR"), "gcp") == 200
    assert logged.lines == []


def test_gcp_line_is_cloud_logging_structured(classifier: Classifier, logged: Lines) -> None:
    service = serve(classifier, gcp_project="my-project")
    cloud = f"{TRACE}/1234567890;o=1"
    assert predict(service, "gcp", {"x-cloud-trace-context": cloud}, invocation_id="ex1") == 200
    record = only(logged)
    assert record["severity"] == "INFO" and "level" not in record
    assert record["message"].startswith("POST /prod/predict 200 ")
    assert record["logging.googleapis.com/trace"] == f"projects/my-project/traces/{TRACE}"
    assert record["logging.googleapis.com/spanId"] == f"{1234567890:016x}"
    assert record["logging.googleapis.com/trace_sampled"] is True
    http = record["httpRequest"]
    assert http["requestMethod"] == "POST" and http["requestUrl"] == "/prod/predict"
    assert http["status"] == 200 and re.fullmatch(r"\d+\.\d{6}s", http["latency"])
    assert http["requestSize"] == str(len(images.jpeg()))
    assert record["execution_id"] == "ex1" and "_aws" not in record


def test_gcp_without_a_project_still_logs_the_trace_id(classifier: Classifier,
                                                      logged: Lines) -> None:
    assert predict(serve(classifier), "gcp", {"traceparent": TRACEPARENT},
                   body=b"\xff\xd8\xffSECRET") == 422
    record = only(logged)
    assert "logging.googleapis.com/trace" not in record and record["trace_id"] == TRACE
    assert record["logging.googleapis.com/spanId"] == SPAN
    assert record["severity"] == "WARNING" and "SECRET" not in logged.lines[0]


def test_azure_line_carries_invocation_and_operation_ids(classifier: Classifier,
                                                         logged: Lines) -> None:
    host = f"00-{TRACE}-{SPAN}-01"
    assert predict(serve(classifier), "azure", {"traceparent": "junk"}, invocation_id="inv-1",
                   traceparent=host) == 200
    record = only(logged)
    assert record["InvocationId"] == "inv-1" and record["operation_Id"] == TRACE
    assert record["operation_ParentId"] == SPAN and record["level"] == "INFO"


def test_a_malformed_trace_header_is_ignored(classifier: Classifier, logged: Lines) -> None:
    service = serve(classifier, log_format="lambda")
    assert predict(service, headers={"traceparent": "00-zz-11-01",
                                     "x-cloud-trace-context": "nonsense"}) == 200
    record = only(logged)
    assert "trace_id" not in record and record["status"] == 200 and record["requestId"]


def test_unexpected_exceptions_keep_their_text_at_error_only(
        classifier: Classifier, logged: Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    service = serve(classifier, log_format="gcp")

    def broken(*args: object) -> None:
        raise RuntimeError("boom from inside")
    monkeypatch.setattr(service.pipeline, "predict_input", broken)
    assert predict(service) == 500
    record = only(logged)
    assert record["severity"] == "ERROR" and "boom from inside" in record["exception"]


def test_the_validator_rejects_what_the_specification_forbids() -> None:
    good: dict[str, Any] = {"_aws": {"Timestamp": 1_700_000_000_000, "CloudWatchMetrics": [
        {"Namespace": "N", "Dimensions": [["S"]], "Metrics": [{"Name": "T", "Unit": "Count"}]}]},
        "S": "svc", "T": 1}
    assert emf.problems(good, now_ms=1_700_000_000_000) == []
    bad = [
        {**good, "_aws": {**good["_aws"], "Timestamp": 1_700_000_000}},  # seconds
        {**good, "T": "1"}, {**good, "T": True}, {"T": 1, "S": "svc"}, {**good, "S": ""},
        {k: v for k, v in good.items() if k != "S"},
        {**good, "_aws": {**good["_aws"], "CloudWatchMetrics": [
            {"Namespace": "N", "Dimensions": [[f"d{i}" for i in range(31)]], "Metrics": []}]},
         **{f"d{i}": "x" for i in range(31)}},
        {**good, "_aws": {**good["_aws"], "CloudWatchMetrics": [
            {"Namespace": "N", "Dimensions": [],
             "Metrics": [{"Name": f"m{i}"} for i in range(101)]}]},
         **{f"m{i}": 1 for i in range(101)}},
        {**good, "_aws": {**good["_aws"], "CloudWatchMetrics": [
            {"Namespace": " ", "Dimensions": [["S"]], "Metrics": [{"Name": "T", "Unit": "ms"}]}]}},
    ]
    for doc in bad:
        assert emf.problems(doc, now_ms=1_700_000_000_000), doc


def test_our_stderr_handler_gets_the_finished_line(classifier: Classifier,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    service = serve(classifier, log_format="lambda")
    (ours,) = [h for h in logs.LOGGER.handlers if getattr(h, "_classifier", False)]
    assert isinstance(ours, logging.StreamHandler)
    stream = io.StringIO()
    monkeypatch.setattr(ours, "stream", stream)
    assert predict(service, "aws_lambda") == 200
    (line,) = stream.getvalue().splitlines()
    assert stream.getvalue().endswith("}\n") and emf.problems(json.loads(line)) == []
    stream.close()  # a closed stderr must not turn an answer into a failure
    assert predict(service, "aws_lambda") == 200


def test_settings_name_the_bad_variable() -> None:
    settings = Settings.from_env(env={"LOG_FORMAT": "GCP", "METRICS": "off",
                                      "METRICS_NAMESPACE": "Team/Classifier"})
    assert (settings.log_format, settings.metrics, settings.metrics_namespace) == \
        ("gcp", "off", "Team/Classifier")
    for env, name in (({"LOG_FORMAT": "xml"}, "LOG_FORMAT"), ({"METRICS": "maybe"}, "METRICS"),
                      ({"METRICS_NAMESPACE": "x" * 256}, "METRICS_NAMESPACE")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env(env=env)


@pytest.mark.parametrize(("setting", "platform", "severity"), [
    ("auto", "json", False), ("auto", "gcp", True), ("gcp", "json", True),
    ("json", "gcp", False), ("lambda", "gcp", False)])
def test_other_lines_carry_severity_where_cloud_logging_reads_them(
        setting: str, platform: str, severity: bool, logged: Lines,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(logs._line_format, "platform", platform)
    monkeypatch.setitem(logs._line_format, "setting", "auto")  # restored after the test
    logs.configure("INFO", setting)
    logs.log_json(logging.WARNING, "model_without_labels", model="m")
    (record,) = logged.records()
    assert record["level"] == "WARNING" and record["event"] == "model_without_labels"
    assert record.get("severity") == ("WARNING" if severity else None)


def test_the_gcp_adapter_declares_its_platform_at_import() -> None:
    """A fresh interpreter: importing the GCP entry point makes its model_loaded line (written
    at import, before any request) carry Cloud Logging's severity."""
    done = subprocess.run([sys.executable, "-c", "import gcp_function.main"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    [loaded] = [line for line in lines if line.get("event") == "model_loaded"]
    assert loaded["severity"] == loaded["level"] == "INFO"
