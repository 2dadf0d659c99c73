"""Running the SAM CLI in the tests: offline, on this engine, with the suite's settings.

aws-sam-cli lives in a virtualenv of its own (`make test-deps`, mk/aws.mk: .venv/sam). It runs
through tests/sam/samhost.py (host network; that file says why). Nothing leaves the machine:
fake credentials, STS (SAM's first call) pointed at a closed port on 127.0.0.1 and answered
at once, a proxy that refuses for anything else, no telemetry, no image pulls.

The templates the tests give SAM are the repository's own (template.yaml, template-zip.yaml),
written as JSON with what this machine needs changed and nothing else: the stand-in's Python
and docker/build.sh's build arguments (so the image is the one the image tests build), the
zip's path, and the settings every test runs with (tests/docker/lesson.py ENV).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from tests.docker.engine import pinned, standin_python
from tests.docker.lesson import ENV

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = Path(sys.executable).parent.parent / "sam" / "bin" / "python"
SHIM = Path(__file__).resolve().parent / "samhost.py"
FUNCTION = "ClassifierFunction"
OFFLINE = {
    "SAM_CLI_TELEMETRY": "0", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
    "AWS_MAX_ATTEMPTS": "1", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
# SAM's containers: no pull, and the emulator reached on 127.0.0.1.
CONTAINER_OPTIONS = ("--skip-pull-image", "--container-host", "127.0.0.1",
                     "--container-host-interface", "127.0.0.1")


def command(*args: str) -> list[str]:
    if not SAM_PYTHON.exists():
        pytest.fail(f"aws-sam-cli is not installed ({SAM_PYTHON}): run `make test-deps`")
    return [str(SAM_PYTHON), str(SHIM), *args]


def environment() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **OFFLINE}


def sam(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `sam ARGS` in ``cwd``; fails the test with SAM's output when it fails."""
    done = subprocess.run(command(*args), cwd=cwd, env=environment(), capture_output=True,
                          text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"sam {' '.join(args[:3])} failed ({done.returncode}):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def http_only(loaded: Any) -> dict[str, Any]:
    """A plain copy of a template without the optional event wiring (EnableEvents): sam build
    and sam local ignore Conditions, and these tests are the HTTP function's."""
    template: dict[str, Any] = json.loads(json.dumps(loaded))
    for section in ("Resources", "Outputs"):
        template[section] = {name: value for name, value in template[section].items()
                             if value.get("Condition") != "WithEvents"}
    return template


def image_template(directory: Path) -> Path:
    """template.yaml for the stand-in: docker/build.sh's classic-builder arguments."""
    template = http_only(cfn_yaml.load(str(ROOT / "template.yaml")))
    function = template["Resources"][FUNCTION]
    python = standin_python("x86_64")
    function["Metadata"].update({
        "DockerContext": str(ROOT), "DockerTag": "test",
        "DockerBuildArgs": {"PYTHON_TAG": python, "TARGETARCH": "amd64",
                            "BASE_TAG": f"{python}-x86_64", "PIP_CONSTRAINTS": pinned()}})
    function["Properties"]["Environment"]["Variables"].update(ENV)
    path = directory / "template.json"
    path.write_text(json.dumps(template, indent=1))
    return path


def zip_template(directory: Path, bundle: Path) -> Path:
    """template-zip.yaml with ``bundle`` as its code."""
    template = http_only(cfn_yaml.load(str(ROOT / "template-zip.yaml")))
    properties = template["Resources"][FUNCTION]["Properties"]
    properties["CodeUri"] = str(bundle)
    properties["Environment"]["Variables"].update(ENV)
    path = directory / "template-zip.json"
    path.write_text(json.dumps(template, indent=1))
    return path


def generated_event(cwd: Path) -> dict[str, Any]:
    """`sam local generate-event apigateway http-api-proxy`: SAM's HTTP API 2.0 example."""
    done = sam("local", "generate-event", "apigateway", "http-api-proxy", cwd=cwd, timeout=120)
    event: dict[str, Any] = json.loads(done.stdout)
    return event
