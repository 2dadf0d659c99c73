"""Shared fixtures: the committed default model, a service on it, a local image server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.api.service import Service
from core.config import DEFAULT_MODEL, Settings
from core.inference.classifier import Classifier
from core.inference.loader import load_classifier
from tests import images

ROOT = Path(__file__).resolve().parent.parent


def make_settings(**overrides: object) -> Settings:
    """Settings from an empty environment; tests fetch from 127.0.0.1, so private URLs are on."""
    values: dict[str, object] = {"allow_private_urls": True, "model_threads": 2}
    values.update(overrides)
    return Settings.from_env(env={}, **values)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    """The committed default model, loaded once for the whole run."""
    return load_classifier(DEFAULT_MODEL, threads=2)


@pytest.fixture(scope="session")
def service(classifier: Classifier) -> Service:
    """A service on the default model that may fetch from 127.0.0.1."""
    return Service(make_settings(), classifier=classifier)


@pytest.fixture
def image_server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 serving generated images under /img/<name>."""
    served = {
        "photo.jpg": (images.jpeg(), "image/jpeg"),
        "alpha.png": (images.png_rgba(), "image/png"),
        "cmyk.jpg": (images.cmyk_jpeg(), "image/jpeg"),
        "rotated.jpg": (images.exif_rotated_jpeg(), "image/jpeg"),
        "anim.gif": (images.palette_gif(), "image/gif"),
        "deep.png": (images.png16(), "image/png"),
        "not-image.txt": (b"hello, this is text", "text/plain"),
    }
    for name, (body, kind) in served.items():
        httpserver.expect_request(f"/img/{name}").respond_with_data(body, content_type=kind)
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    yield httpserver
