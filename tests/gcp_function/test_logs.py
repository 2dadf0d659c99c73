"""The GCP request line, through the framework's own app (functions_framework.create_app)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app

from core.api.service import Service
from core.inference.classifier import Classifier
from tests import images
from tests.conftest import ROOT, make_settings
from tests.logcapture import Lines, captured

SOURCE = ROOT / "gcp_function" / "main.py"
TRACE = "105445aa7843bc8bf206b12000100000"


@pytest.fixture(scope="module")
def client(classifier: Classifier) -> Iterator[FlaskClient]:
    app = create_app(target="predict", source=str(SOURCE))  # type: ignore[no-untyped-call]
    service = Service(make_settings(gcp_project="my-project"), classifier=classifier)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys.modules["main"], "service", service)
        yield app.test_client()


@pytest.fixture
def lines() -> Iterator[Lines]:
    with captured() as handler:
        yield handler


def test_cloud_logging_fields_from_x_cloud_trace_context(client: FlaskClient,
                                                         lines: Lines) -> None:
    response = client.post("/predict?top_k=2&token=s3cr3t", data=images.jpeg(),
                           content_type="image/jpeg",
                           headers={"X-Cloud-Trace-Context": f"{TRACE}/17;o=1",
                                    "Function-Execution-Id": "exec-42"})
    assert response.status_code == 200
    (line,) = lines.lines
    assert "s3cr3t" not in line and "top_k" not in line
    record = json.loads(line)
    assert record["severity"] == "INFO" and "level" not in record
    assert record["message"].startswith("POST /predict 200 ")
    assert record["logging.googleapis.com/trace"] == f"projects/my-project/traces/{TRACE}"
    assert record["logging.googleapis.com/spanId"] == "0000000000000011"
    assert record["execution_id"] == "exec-42"
    assert record["httpRequest"]["requestUrl"] == "/predict"
    assert record["httpRequest"]["status"] == 200
    assert record["model"] and record["runtime"] and "cold_start" in record


def test_traceparent_wins_and_the_framework_names_the_execution(client: FlaskClient,
                                                                lines: Lines) -> None:
    traceparent = f"00-{TRACE[::-1]}-00f067aa0ba902b7-01"
    response = client.get("/health", headers={"traceparent": traceparent,
                                              "X-Cloud-Trace-Context": f"{TRACE}/1;o=1"})
    assert response.status_code == 200
    record = json.loads(lines.lines[0])
    assert record["trace_id"] == TRACE[::-1]
    assert record["logging.googleapis.com/spanId"] == "00f067aa0ba902b7"
    assert record["execution_id"]  # the framework made one: no header was sent


def test_a_malformed_trace_is_ignored(client: FlaskClient, lines: Lines) -> None:
    response = client.get("/nope", headers={"traceparent": "00-xyz", "X-Cloud-Trace-Context":
                                            "not/a;trace", "Function-Execution-Id": "x" * 5000})
    assert response.status_code == 404
    record = json.loads(lines.lines[0])
    assert record["severity"] == "WARNING" and record["error"] == "not_found"
    assert record["route"] == "unmatched" and record["execution_id"] == "x" * 64
    assert not any(k.startswith("logging.googleapis.com") for k in record)
