"""Route lookup: exact paths, stage and base-path prefixes, and ``{name}`` parameters."""

from __future__ import annotations

import pytest

from core import errors
from core.api.router import match, resolve

ROUTES = {path: {"GET": path} for path in (
    "/", "/predict", "/health", "/model", "/v2", "/v2/health/live", "/v2/models/{name}",
    "/v2/models/{name}/ready", "/v2/models/{name}/versions/{version}",
    "/v2/models/{name}/versions/{version}/infer")}


@pytest.mark.parametrize(("path", "route", "params"), [
    ("/predict", "/predict", {}),
    ("/prod/predict", "/predict", {}),
    ("/api/predict/", "/predict", {}),
    ("/", "/", {}),
    ("/v2", "/v2", {}),
    ("/prod/v2", "/v2", {}),
    ("/v2/health/live", "/v2/health/live", {}),
    ("/v2/models/m", "/v2/models/{name}", {"name": "m"}),
    ("/prod/api/v2/models/m/ready", "/v2/models/{name}/ready", {"name": "m"}),
    ("/v2/models/a b/versions/1", "/v2/models/{name}/versions/{version}",  # paths arrive
     {"name": "a b", "version": "1"}),                                      # decoded once
    ("/v2/models/a%41b/ready", "/v2/models/{name}/ready", {"name": "a%41b"}),
    ("/v2/models/m/versions/ready", "/v2/models/{name}/versions/{version}",
     {"name": "m", "version": "ready"}),
    ("/v2/models/health", "/v2/models/{name}", {"name": "health"}),  # longest match wins
    ("/v2/models/m/versions/2/infer", "/v2/models/{name}/versions/{version}/infer",
     {"name": "m", "version": "2"}),
])
def test_match(path: str, route: str, params: dict[str, str]) -> None:
    found, methods, got = match(path, ROUTES)
    assert (found, methods["GET"], got) == (route, route, params)


@pytest.mark.parametrize("path", ["/nope", "/predictx", "/v2/models", "/v2/models/m/other",
                                  "/v2/models//ready/x"])
def test_unknown_paths_are_404(path: str) -> None:
    with pytest.raises(errors.NotFound):
        match(path, ROUTES)


def test_resolve_keeps_its_two_values() -> None:
    assert resolve("/stage/health", ROUTES)[0] == "/health"
