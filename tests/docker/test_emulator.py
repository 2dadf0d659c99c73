"""The lesson's local test, against the image: `docker run IMAGE`, then POST to the emulator.

Without AWS_LAMBDA_RUNTIME_API the base image's entrypoint runs the runtime client under AWS's
Runtime Interface Emulator (the stand-in carries the real binary, from the aws-sam-cli wheel),
which takes invocations at /2015-03-31/functions/function/invocations. The docs run it with
`-p 9000:8080`; this engine has no bridge network, so the container shares the host's and the
stand-in's RIE_ADDRESS / RIE_API_ADDRESS put the emulator on free ports of 127.0.0.1. The
answers must be the in-process handler's.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.docker.engine import docker
from tests.docker.lesson import ENV, example, in_process, photo_host, wait_for_port
from tests.processes import free_port

INVOCATIONS = "/2015-03-31/functions/function/invocations"


@contextmanager
def emulated(image: str, log: Path, *extra: str) -> Iterator[str]:
    """`docker run IMAGE` (no Runtime API: the entrypoint starts the emulator); yields the
    emulator's invocation URL. ``extra``: more `docker run` options."""
    port, api = free_port(), free_port()
    name = f"classifier-rie-{uuid.uuid4().hex[:12]}"
    command = ["docker", "run", "--rm", "--name", name, "--read-only", "--tmpfs", "/tmp",
               "--user", "993:990", "--network", "host", f"--env=RIE_ADDRESS=127.0.0.1:{port}",
               f"--env=RIE_API_ADDRESS=127.0.0.1:{api}",
               *[f"--env={k}={v}" for k, v in ENV.items()], *extra, image]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port)
            yield f"http://127.0.0.1:{port}{INVOCATIONS}"
        finally:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
            process.wait(timeout=60)


def lesson_events(photo_url: str) -> dict[str, Any]:
    """The lesson's {"url": ...} (the photo on 127.0.0.1 instead of the lesson's address), and
    examples/events/photo-base64.json and http-api-v2.json as they are."""
    return {"url": {**example("photo-url.json"), "url": photo_url},
            "base64 photo": example("photo-base64.json"), "HTTP API": example("http-api-v2.json")}


def post(url: str, event: Any) -> Any:
    return requests.post(url, json=event, timeout=180).json()


def test_the_lessons_local_test_answers_as_in_process(image_x86_64: str, tmp_path: Path) -> None:
    log = tmp_path / "container.log"
    with photo_host() as photo, emulated(image_x86_64, log) as url:
        events = lesson_events(photo)
        answers = {name: post(url, event) for name, event in events.items()}
        expected = {name: json.loads(json.dumps(in_process(event)))
                    for name, event in events.items()}
    for name in events:
        if name == "HTTP API":  # the same status and body; headers carry request ids
            assert answers[name]["statusCode"] == expected[name]["statusCode"] == 200
            assert json.loads(answers[name]["body"]) == json.loads(expected[name]["body"])
        else:
            assert answers[name] == expected[name], (name, log.read_text()[-3000:])
    scores = answers["url"]
    assert max(scores, key=scores.get) == "outwear" and len(scores) == 10
    assert answers["base64 photo"] == scores  # the same photo, by URL and inline
    assert "(rapid)" in log.read_text()  # AWS's emulator served them


def test_the_entrypoint_needs_the_handler_as_its_one_argument(image_x86_64: str) -> None:
    # As AWS's /lambda-entrypoint.sh: exit 142 before starting anything.
    done = subprocess.run(["docker", "run", "--rm", "--network", "none", image_x86_64,
                           "lambda_function.lambda_handler", "extra"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 142 and "handler name" in done.stderr
    listing = docker("run", "--rm", "--network", "none", "--entrypoint", "ls", image_x86_64,
                     "-l", "/usr/local/bin/aws-lambda-rie")
    assert listing.startswith("-rwxr-xr-x")
