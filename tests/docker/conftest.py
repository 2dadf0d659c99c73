"""The images, built once per test session (Docker's layer cache makes a rebuild quick)."""

from __future__ import annotations

import pytest

from tests.docker.engine import build


@pytest.fixture(scope="session")
def image_x86_64() -> str:
    return build("x86_64")


@pytest.fixture(scope="session")
def image_arm64() -> str:
    return build("arm64")
