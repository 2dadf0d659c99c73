"""`sam build` of the image function and `sam local invoke`, as a user runs them.

The image is built by SAM from template.yaml's Metadata (docker-py, Docker's classic builder)
on the stand-in base; the image tests' build of the same Dockerfile with the same arguments
(tests/docker/engine.py) comes first, so SAM's build reuses its layers. The invocation event is
the one SAM generates for an HTTP API, edited to carry a photo, base64-encoded as API Gateway
sends a binary body; the answer must be the in-process handler's. The zip goes through `sam
local invoke --invoke-image` on the stand-in with examples/events/http-api-v2.json: the zip is
built from this environment's packages (`scripts/bundle_aws.py --source local`) for the
stand-in's Python (template-zip.yaml's runtime says python3.12; the stand-in's is 3.11).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.docker.engine import BASE, docker, standin_python
from tests.docker.lesson import example, in_process, photo_b64
from tests.sam.tool import CONTAINER_OPTIONS, FUNCTION, ROOT, generated_event, sam, zip_template


def photo_event(cwd: Path) -> dict[str, Any]:
    """SAM's generated HTTP API event as a POST /predict of the photo (binary, base64)."""
    event = generated_event(cwd)
    assert event["version"] == "2.0" and "http" in event["requestContext"]
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/predict"
    event["requestContext"]["http"]["method"] = "POST"
    event["headers"]["content-type"] = "image/jpeg"
    event["body"], event["isBase64Encoded"] = photo_b64(), True
    return event


def invoke(template: Path, event: Any, cwd: Path, *options: str) -> Any:
    path = cwd / "event.json"
    path.write_text(json.dumps(event))
    done = sam("local", "invoke", "-t", str(template), "-e", str(path), *CONTAINER_OPTIONS,
               *options, FUNCTION, cwd=cwd)
    return json.loads(done.stdout)


def assert_same_http_answer(answer: Any, expected: Any) -> None:
    assert answer["statusCode"] == expected["statusCode"] == 200, answer
    assert answer["headers"]["Content-Type"] == expected["headers"]["Content-Type"]
    assert answer["isBase64Encoded"] is expected["isBase64Encoded"] is False
    assert json.loads(answer["body"]) == json.loads(expected["body"])


def test_sam_build_builds_the_image_from_the_templates_metadata(sam_built: Path) -> None:
    built = sam_built.read_text()
    assert "ImageUri: classifierfunction:test" in built
    listing = docker("run", "--rm", "--entrypoint", "ls", "classifierfunction:test", "/var/task")
    assert {"lambda_function.py", "core", "aws_lambda", "models"} <= set(listing.split())


def test_sam_local_invoke_answers_a_photo_as_in_process(sam_built: Path) -> None:
    event = photo_event(sam_built.parent)
    answer = invoke(sam_built, event, sam_built.parent)
    assert_same_http_answer(answer, in_process(event))
    scores = json.loads(answer["body"])
    assert max(scores, key=scores.get) == "outwear"


def test_the_zip_through_sam_local_invoke_on_a_standin_runtime(tmp_path: Path) -> None:
    python = standin_python("x86_64")
    bundle = tmp_path / "aws_lambda.zip"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bundle_aws.py"), "--source", "local",
                    "--python-version", python, "--out", str(bundle)],
                   check=True, timeout=600, capture_output=True)
    template = zip_template(tmp_path, bundle)
    event = example("http-api-v2.json")
    # SAM names its emulation image after the runtime image's repository: a test name keeps
    # it out of the stand-in's.
    runtime = f"classifier-test-runtime:{python}-x86_64"
    docker("tag", f"{BASE}:{python}-x86_64", runtime)
    answer = invoke(template, event, tmp_path, "--invoke-image", runtime)
    assert_same_http_answer(answer, in_process(event))
