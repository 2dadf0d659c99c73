"""The image function built by `sam build`, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docker.engine import build
from tests.sam.tool import FUNCTION, image_template, sam


@pytest.fixture(scope="session")
def sam_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build ClassifierFunction`; the built template."""
    build("x86_64")  # the image tests' build: SAM's build finds every layer cached
    directory = tmp_path_factory.mktemp("sam")
    template = image_template(directory)
    sam("build", "-t", str(template), "--build-dir", "build", FUNCTION, cwd=directory)
    return directory / "build" / "template.yaml"
