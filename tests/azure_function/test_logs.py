"""The Azure request line: the worker's invocation context reaches the log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import azure.functions as func
import pytest

import azure_function.function_app as function_app
from core.api.service import Service
from core.telemetry.request_log import LOGGER
from tests import images
from tests.azure_function.context import Context
from tests.logcapture import Lines, captured

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
HOST_PARENT = f"00-{TRACE}-00f067aa0ba902b7-01"


@pytest.fixture
def lines(service: Service, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lines]:
    monkeypatch.setattr(function_app, "service", service)
    with captured() as handler:
        yield handler


def invoke(name: str, request: func.HttpRequest, context: Context) -> func.HttpResponse:
    function_app.app.functions_bindings = None  # the worker indexes once; tests re-index
    functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
    response = functions[name].get_user_function()(request, context)
    assert isinstance(response, func.HttpResponse)
    return response


def test_invocation_id_and_trace_context_reach_the_line(lines: Lines) -> None:
    context = Context("predict", "a1b2c3d4-0000-4000-8000-000000000001", HOST_PARENT)
    request = func.HttpRequest("POST", "http://localhost:7071/api/predict?code=s3cr3t",
                               headers={"Content-Type": "image/jpeg"},
                               params={"code": "s3cr3t"}, body=images.jpeg())
    assert invoke("predict", request, context).status_code == 200
    (line,) = lines.lines
    assert "s3cr3t" not in line
    record = json.loads(line)
    assert record["InvocationId"] == "a1b2c3d4-0000-4000-8000-000000000001"
    assert record["operation_Id"] == TRACE == record["trace_id"]
    assert record["operation_ParentId"] == "00f067aa0ba902b7"
    assert record["level"] == "INFO" and record["route"] == "/predict"
    assert record["message"].startswith("POST /predict 200 ")
    assert record["model"] and record["runtime"] and "cold_start" in record


def test_a_caller_traceparent_is_used_when_the_host_sends_none(lines: Lines) -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    request = func.HttpRequest("GET", "http://localhost:7071/api/health",
                               headers={"traceparent": parent}, body=b"")
    assert invoke("health", request, Context("health", "inv-2")).status_code == 200
    record = json.loads(lines.lines[0])
    assert record["operation_Id"] == "0af7651916cd43dd8448eb211c80319c"
    request = func.HttpRequest("GET", "http://localhost:7071/api/health",
                               headers={"traceparent": "garbage"}, body=b"")
    assert invoke("health", request, Context("health", "inv-3", "junk")).status_code == 200
    record = json.loads(lines.lines[1])
    assert record["InvocationId"] == "inv-3" and "operation_Id" not in record


def test_the_line_goes_to_the_workers_root_handler_not_stderr(
        lines: Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    # The Python worker puts its handler on the root logger and sends each record to the host
    # with its level and the invocation's ids; this stands in for that handler.
    worker = Lines()
    root = logging.getLogger()
    root.addHandler(worker)
    (ours,) = [h for h in LOGGER.handlers if getattr(h, "_classifier", False)]
    assert isinstance(ours, logging.StreamHandler)
    stderr = io.StringIO()
    monkeypatch.setattr(ours, "stream", stderr)
    try:
        request = func.HttpRequest("GET", "http://localhost:7071/api/nope", body=b"")
        assert invoke("fallback", request, Context("fallback", "inv-9")).status_code == 404
    finally:
        root.removeHandler(worker)
    (line,) = worker.lines
    assert json.loads(line)["InvocationId"] == "inv-9" and worker.levels == [logging.WARNING]
    assert stderr.getvalue() == ""  # the host would log stderr as console output
    assert lines.lines == [line]  # the classifier logger's other handlers still see it
