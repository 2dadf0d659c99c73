"""docker/Dockerfile builds unchanged with BuildKit and with buildah, as with the classic builder.

The image tests use Docker's classic builder (test_image.py, test_arch.py). Here the same
Dockerfile goes through BuildKit (`DOCKER_BUILDKIT=1` with Debian's docker.io 20.10 CLI, which
drives the engine's BuildKit without the buildx plugin) and through buildah, both via
docker/build.sh, and each must produce the same task root, file for file.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.docker.engine import build, task_root

DEBIAN_DOCKER = "/usr/bin/docker"  # docker.io's own CLI (another may come first on PATH)


def names(image: str, cli: str = "docker") -> set[str]:
    with task_root(image, cli) as tar:
        return {m.name for m in tar if not m.isdir()}


def buildah_names(image: str) -> set[str]:
    run = subprocess.run(["buildah", "from", "--pull=never", image], capture_output=True,
                         text=True, check=True, timeout=120).stdout.strip()
    try:
        root = Path(subprocess.run(["buildah", "mount", run], capture_output=True, text=True,
                                   check=True, timeout=120).stdout.strip()) / "var"
        return {str(Path(d, f).relative_to(root)) for d, _, files in os.walk(root / "task")
                for f in files}
    finally:
        subprocess.run(["buildah", "rm", run], capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def classic(image_x86_64: str) -> set[str]:
    return names(image_x86_64)


def test_buildkit_builds_the_same_image(classic: set[str]) -> None:
    if not os.access(DEBIAN_DOCKER, os.X_OK):
        pytest.fail("Debian's docker.io CLI is missing: run `make test-deps` (mk/image.mk)")
    image = build("x86_64", "buildkit", DOCKER=DEBIAN_DOCKER)
    assert names(image) == classic


def test_buildah_builds_the_same_image(classic: set[str]) -> None:
    image = build("x86_64", "buildah")
    assert buildah_names(f"localhost/{image}") == classic
