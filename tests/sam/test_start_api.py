"""`sam local start-api` on 127.0.0.1: the template's HTTP API in front of the built image.

Each request goes through SAM's local API Gateway (payload 2.0) to the function's container
and back; every answer must be the in-process service's (`Service.handle` on the same
request): the lesson's `{"url": ...}` (a photo served on 127.0.0.1), a base64 photo in JSON,
/health, /model, the Open Inference Protocol's /v2 and model metadata, the demo page and a
browser's OPTIONS preflight (the API runs with CorsAllowOrigin set). Raw binary bodies are
not among them: start-api answers them 502 (a known SAM bug, aws/aws-sam-cli#3110), so
test_invoke.py sends the photo through `sam local invoke` with isBase64Encoded instead.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from core.messages import Request, Response
from tests.docker.engine import docker
from tests.docker.lesson import photo_b64, photo_host, reference, wait_for_port
from tests.processes import free_port
from tests.sam.tool import CONTAINER_OPTIONS, command, environment

ORIGIN = "https://shop.example"


@pytest.fixture(scope="module")
def api(sam_built: Path) -> Iterator[str]:
    """`sam local start-api` of the built template; yields its base URL."""
    port = free_port()
    log = sam_built.parent / "start-api.log"
    before = sam_containers()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command("local", "start-api", "-t", str(sam_built), "--host", "127.0.0.1",
                    "--port", str(port), "--warm-containers", "LAZY", *CONTAINER_OPTIONS,
                    "--parameter-overrides", f"CorsAllowOrigin={ORIGIN}"),
            cwd=sam_built.parent, env=environment(), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)  # SAM stops its warm container on Ctrl+C
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        # SAM does not always remove its warm container when it exits on Ctrl+C, so whatever
        # it created while it ran is removed here.
        for leftover in sorted(sam_containers() - before):
            docker("rm", "-f", leftover, check=False)


def sam_containers() -> set[str]:
    """The ids of the containers SAM CLI created (running or not), by its label."""
    return set(docker("ps", "-aq", "--filter", "label=sam.cli.container.type").split())


def in_process(method: str, path: str, body: bytes = b"",
               headers: dict[str, str] | None = None) -> Response:
    return reference().handle(Request(method, path, headers or {}, body=body))


def same_answer(got: requests.Response, expected: Response) -> None:
    assert got.status_code == expected.status, (got.status_code, got.text[:500])
    assert got.headers.get("Content-Type", "").split(";")[0] == expected.content_type or \
        expected.status == 204
    if expected.content_type == "application/json":
        assert got.json() == json.loads(expected.body)
    else:
        assert got.content == expected.body


def test_the_lessons_url_request_through_start_api(api: str) -> None:
    with photo_host() as photo:
        body = json.dumps({"url": photo}).encode()
        json_type = {"content-type": "application/json"}
        got = requests.post(f"{api}/predict", data=body, headers=json_type, timeout=180)
        expected = in_process("POST", "/predict", body, json_type)
    same_answer(got, expected)
    scores: dict[str, Any] = got.json()
    assert max(scores, key=scores.__getitem__) == "outwear"


def test_a_base64_photo_in_json_through_start_api(api: str) -> None:
    body = json.dumps({"image": photo_b64(), "top_k": 3}).encode()
    json_type = {"content-type": "application/json"}
    got = requests.post(f"{api}/predict", data=body, headers=json_type, timeout=180)
    same_answer(got, in_process("POST", "/predict", body, json_type))
    assert len(got.json()) == 3


@pytest.mark.parametrize("path", ["/health", "/model", "/v2/health/ready", "/"])
def test_get_routes_through_start_api(api: str, path: str) -> None:
    same_answer(requests.get(f"{api}{path}", timeout=180), in_process("GET", path))


def test_v2_server_metadata_through_start_api(api: str) -> None:
    got = requests.get(f"{api}/v2", timeout=180)
    expected = json.loads(in_process("GET", "/v2").body)
    assert got.status_code == 200
    # The version is the installed distribution's; the function ships the sources without
    # the distribution's metadata, so it says "0" there.
    assert {**got.json(), "version": None} == {**expected, "version": None}


def test_v2_model_metadata_through_start_api(api: str) -> None:
    name = str(json.loads(in_process("GET", "/model").body)["name"])
    got = requests.get(f"{api}/v2/models/{name}", timeout=180)
    same_answer(got, in_process("GET", f"/v2/models/{name}"))
    assert got.json()["name"] == name


@pytest.mark.parametrize("path", ["/predict", "/v2/models/any/infer"])
def test_a_preflight_reaches_the_function_with_cors_on(api: str, path: str) -> None:
    # The template's CorsAllowOrigin parameter, overridden for this API, reaches the function
    # as CORS_ALLOW_ORIGIN; API Gateway passes OPTIONS on (method ANY) and the core answers.
    got = requests.options(f"{api}{path}", headers={"Origin": ORIGIN,
                                                    "Access-Control-Request-Method": "POST"},
                           timeout=180)
    assert got.status_code == 204
    assert got.headers["Allow"] == in_process("OPTIONS", path).headers["Allow"]
    assert got.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in got.headers["Access-Control-Allow-Methods"]
