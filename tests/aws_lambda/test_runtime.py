"""End to end under the real runtime client: ``python -m awslambdaric`` against runtime_api.

These are the bytes Lambda itself would receive from the function; json.loads of them proves
the answer is plain JSON (no NumPy float32, which the lesson's FAQ records breaking).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests import images
from tests.aws_lambda.runtime_api import RuntimeApi
from tests.aws_lambda.samples import load
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
TASK_ROOT = ROOT / "aws_lambda"


@contextmanager
def runtime(handler: str, task_root: Path, log: Path, **env: str) -> Iterator[RuntimeApi]:
    """A Runtime API server and an awslambdaric child serving ``handler``; both torn down."""
    with RuntimeApi() as api:
        child_env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": api.address,
                     "LAMBDA_TASK_ROOT": str(task_root), "PYTHONPATH": str(ROOT),
                     "AWS_LAMBDA_FUNCTION_NAME": "classifier", "MODEL_THREADS": "1", **env}
        with log.open("wb") as out:
            child = subprocess.Popen([sys.executable, "-m", "awslambdaric", handler],
                                     cwd=task_root, env=child_env, stdout=out, stderr=out)
            try:
                yield api
            finally:
                stop(child)


def test_prediction_error_and_http_events_through_the_runtime_client(
        image_server: HTTPServer, tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    with runtime("lambda_function.lambda_handler", TASK_ROOT, log,
                 ALLOW_PRIVATE_URLS="true") as api:
        predicted = api.invoke({"url": image_server.url_for("/img/photo.jpg")})
        assert predicted.kind == "response", log.read_text()
        scores = predicted.json()
        assert isinstance(scores, dict) and len(scores) == 10
        assert all(type(v) is float and 0.0 <= v <= 1.0 for v in scores.values())
        assert predicted.body.startswith(b"{") and b"float32" not in predicted.body

        error = api.invoke({"url": ""})
        assert error.kind == "response"  # an error answer, not a function error
        assert error.json()["error"]["status"] == 400

        image = base64.b64encode(images.jpeg()).decode()
        http = api.invoke({**load("http_api_v2_named_stage.json"), "body": image})
        assert http.kind == "response" and http.json()["statusCode"] == 200

        for bad in ([1, 2], "text", None, {**load("alb.json"), "body": "%%%",
                                            "isBase64Encoded": True}):
            assert api.invoke(bad).kind == "response", bad
    assert [p.kind for p in api.posts] == ["response"] * 7  # /error never received anything
    assert "Traceback" not in log.read_text()


def test_what_error_receives_when_a_handler_raises(tmp_path: Path) -> None:
    # Our handler never gets here (above); this stand-in shows what an unhandled error looks
    # like to Lambda, the thing API Gateway would turn into a bare 502.
    log = tmp_path / "child.log"
    with runtime("raising_handler.handler", Path(__file__).parent, log) as api:
        outcome = api.invoke({"url": "http://example.com/a.jpg"})
    assert outcome.kind == "error", log.read_text()
    body = outcome.json()
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "an unhandled exception"
    assert isinstance(body["stackTrace"], list)


def test_a_broken_deployment_fails_in_the_init_phase(tmp_path: Path) -> None:
    # The model loads at import: a missing model is an init error, not a failed request.
    log = tmp_path / "child.log"
    with runtime("lambda_function.lambda_handler", TASK_ROOT, log,
                 MODEL_PATH=str(tmp_path / "missing.tflite")) as api:
        if not api.init_error.wait(60):
            pytest.fail("no init error posted:\n" + log.read_text())
    init = next(p for p in api.posts if p.kind == "init_error")
    assert init.json()["errorType"]


def test_sigterm_ends_the_runtime_client_cleanly(tmp_path: Path) -> None:
    # Lambda's shutdown and `docker stop` send SIGTERM while the client waits for an event
    # inside its C code; aws_lambda.shutdown makes that a prompt exit with status 0.
    log = tmp_path / "child.log"
    with RuntimeApi() as api:
        env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": api.address, "PYTHONPATH": str(ROOT),
               "LAMBDA_TASK_ROOT": str(TASK_ROOT), "MODEL_THREADS": "1"}
        with log.open("wb") as out:
            child = subprocess.Popen([sys.executable, "-m", "awslambdaric",
                                      "lambda_function.lambda_handler"],
                                     cwd=TASK_ROOT, env=env, stdout=out, stderr=out)
            try:
                assert api.invoke({"image": base64.b64encode(images.jpeg()).decode()}).kind \
                    == "response", log.read_text()
                child.terminate()
                assert child.wait(timeout=5) == 0, log.read_text()
            finally:
                stop(child)
    assert '"event":"shutdown"' in log.read_text()
