"""Deployment as code: the SAM templates, the Lambda Dockerfile and the build context.

Deploying needs an AWS account, which is not here: these tests lint and inspect the files
(test_template.py holds the templates' routes to the core's). The image itself is built and
run by tests/docker/ (on a stand-in base image).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def tool(name: str, module: str | None = None) -> list[str]:
    """The command for a tool `make test-deps` installs into the venv (or one on PATH)."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    if found:
        return [found]
    pytest.skip(f"{name} is not installed: run `make test-deps`")


@pytest.mark.parametrize("template", ["template.yaml", "template-zip.yaml"])
def test_template_passes_cfn_lint(template: str) -> None:
    done = subprocess.run([*tool("cfn-lint"), str(ROOT / template)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run([*tool("hadolint"), "--failure-threshold", "warning", str(DOCKERFILE)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_is_the_lambda_image_with_the_runtime_set_only() -> None:
    text = DOCKERFILE.read_text()
    assert "ARG PYTHON_TAG=3.12" in text and "ARG BASE_TAG=${PYTHON_TAG}" in text
    assert "FROM public.ecr.aws/lambda/python:${BASE_TAG}" in text
    assert "TARGETARCH" in text
    assert "FROM --platform=${BUILDPLATFORM:-linux} public.ecr.aws/lambda/python:${PYTHON_TAG}" \
        in text  # BuildKit/buildah set BUILDPLATFORM; the classic builder does not
    assert not text.startswith("# syntax=")  # BuildKit would fetch it from Docker Hub
    assert 'CMD ["lambda_function.lambda_handler"]' in text
    assert "-r /tmp/requirements.txt" in text and "--provenance=false" in text
    for source in ("core/", "aws_lambda/", "models/clothing/", "aws_lambda/lambda_function.py"):
        assert f"COPY {source}" in text, source
    lowered = text.lower()
    assert "tensorflow" not in lowered and "pytest" not in lowered and "[dev" not in lowered


def test_dockerignore_keeps_tests_environments_and_data_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "tests", "build", "datasets", ".git", "**/__pycache__"} <= ignored
    assert not {"core", "aws_lambda", "models", "docker"} & ignored
