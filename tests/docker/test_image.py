"""The x86_64 Lambda image, built from docker/Dockerfile and run as Lambda runs a function.

The base is the suite's STAND-IN for public.ecr.aws/lambda/python (tests/docker/engine.py says
what it mirrors). Each container runs with a read-only root filesystem, a tmpfs /tmp, a
non-root user and the host's network, its runtime client pointed at the suite's Runtime API
server on 127.0.0.1 (tests/aws_lambda/runtime_api.py). Its answers are compared byte for byte
with the in-process handler's, serialised by awslambdaric's own marshaller; only the
Server-Timing durations, which differ run to run, are blanked first.
"""

from __future__ import annotations

import base64
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from awslambdaric.lambda_runtime_marshaller import to_json

from aws_lambda.handler import handle_event
from core.api.service import Service
from core.config import Settings
from tests.aws_lambda.runtime_api import RuntimeApi
from tests.aws_lambda.samples import Context, image_b64, load
from tests.docker.engine import BASE, docker, standin_python
from tests.hostile.netjail import install

ENV = {"MODEL_THREADS": "1"}  # the same settings in the container and in process
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
EVENTS: dict[str, Any] = {
    "direct invoke": load("direct_image.json"),
    "HTTP API 2.0": {**load("http_api_v2_named_stage.json"), "body": image_b64()},
    "REST API 1.0": load("apigw_rest_proxy.json"),
    "corrupt image": {"image": base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 200).decode()},
    "metadata address": {"url": METADATA_URL},
}


@dataclass
class Running:
    process: subprocess.Popen[bytes]  # `docker run`, attached: its status is the container's
    name: str


@contextmanager
def container(image: str, api: RuntimeApi, log: Path, **env: str) -> Iterator[Running]:
    """``docker run`` of ``image`` as Lambda runs it; removed however the test ends."""
    name = f"classifier-test-{uuid.uuid4().hex[:12]}"
    settings = [f"--env={k}={v}" for k, v in {**ENV, **env}.items()]
    command = ["docker", "run", "--rm", "--name", name, "--read-only", "--tmpfs", "/tmp",
               "--user", "993:990", "--network", "host",
               f"--env=AWS_LAMBDA_RUNTIME_API={api.address}",
               "--env=AWS_LAMBDA_FUNCTION_NAME=classifier", *settings, image]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield Running(process, name)
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
            process.wait(timeout=60)


def blank_timings(body: bytes) -> bytes:
    return re.sub(rb"dur=[0-9.]+", b"dur=_", body)


@pytest.fixture(scope="module")
def reference() -> Service:
    """The in-process handler's service, with the container's settings."""
    return Service(Settings.from_env(env=ENV))


def test_answers_are_the_in_process_handlers_byte_for_byte(
        image_x86_64: str, reference: Service, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "container.log"
    with RuntimeApi() as api, container(image_x86_64, api, log):
        answers = {name: api.invoke(event, timeout_s=180) for name, event in EVENTS.items()}
    jail = install(monkeypatch)  # the in-process side: no connection leaves 127.0.0.0/8
    for name, event in EVENTS.items():
        outcome = answers[name]
        assert outcome.kind == "response", (name, log.read_text())
        expected = to_json(handle_event(reference, event,
                                        Context(aws_request_id=outcome.request_id)))
        assert blank_timings(outcome.body) == blank_timings(expected.encode()), name
    assert jail.connected_to(lambda host: not host.startswith("127.")) == []
    assert answers["metadata address"].json()["error"]["code"] == "url_not_allowed"
    assert answers["corrupt image"].json()["error"]["code"] == "invalid_image"
    assert b'"statusCode": 200' in answers["REST API 1.0"].body
    assert "Traceback" not in log.read_text()


def test_a_bad_model_path_posts_an_init_error(image_x86_64: str, tmp_path: Path) -> None:
    log = tmp_path / "container.log"
    with RuntimeApi() as api, container(image_x86_64, api, log,
                                        MODEL_PATH="/var/task/models/missing.tflite") as run:
        assert api.init_error.wait(120), log.read_text()
        assert run.process.wait(timeout=60) != 0  # the client gives up after posting it
    init = next(p for p in api.posts if p.kind == "init_error")
    assert init.json()["errorType"], init.body
    assert not [p for p in api.posts if p.kind != "init_error"]


def test_the_container_stops_cleanly_on_sigterm(image_x86_64: str, tmp_path: Path) -> None:
    log = tmp_path / "container.log"
    with RuntimeApi() as api, container(image_x86_64, api, log) as run:
        assert api.invoke(EVENTS["direct invoke"], timeout_s=180).kind == "response"
        started = time.monotonic()
        docker("stop", "--time", "20", run.name, timeout=60)
        stopped = time.monotonic() - started
        assert run.process.wait(timeout=30) == 0, log.read_text()  # not 137: no SIGKILL
    assert stopped < 10
    assert '"event":"shutdown"' in log.read_text()


def test_the_image_adds_at_most_150_mb_over_its_base(image_x86_64: str) -> None:
    base = f"{BASE}:{standin_python('x86_64')}-x86_64"
    own = (int(docker("image", "inspect", "-f", "{{.Size}}", image_x86_64))
           - int(docker("image", "inspect", "-f", "{{.Size}}", base)))
    assert 20e6 < own <= 150e6, own
    listing = docker("run", "--rm", "--entrypoint", "ls", image_x86_64, "/var/task").split()
    assert {"lambda_function.py", "core", "aws_lambda", "models", "numpy", "PIL",
            "ai_edge_litert"} <= set(listing)
    assert not {"tests", "bin", "pip", "tensorflow", "pytest"} & set(listing)
