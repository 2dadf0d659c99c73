"""Route lookup by path, tolerant of stage and base-path prefixes (``/prod/predict``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from core import errors

T = TypeVar("T")


def resolve(path: str, routes: Mapping[str, Mapping[str, T]]) -> tuple[str, Mapping[str, T]]:
    """The route whose path equals ``path`` or ends it after a '/' (e.g. ``/api/predict``)."""
    clean = "/" + path.strip("/")
    if clean in routes:
        return clean, routes[clean]
    for route, methods in routes.items():
        if route != "/" and clean.endswith(route):
            return route, methods
    raise errors.NotFound(f"no route for {clean[:100]}; try POST /predict, GET /health, "
                          "GET /model")
