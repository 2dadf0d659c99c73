"""Route lookup by path, tolerant of stage and base-path prefixes (``/prod/predict``).

A route is a path whose segments are literals or ``{name}`` parameters
(``/v2/models/{name}/infer``). A path matches a route when its last segments do; the route
matching the most segments wins, a literal route over a parameterised one of the same length,
so ``/prod/v2/models/health`` is model metadata and ``/api/predict`` is still ``/predict``.

Paths arrive percent-decoded (``core.messages.Request.path``): each front end decodes once,
where its platform has not already, so parameters are taken as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Generic, TypeVar

from core import errors

T = TypeVar("T")
Params = dict[str, str]


class Router(Generic[T]):
    """``match`` over fixed routes, remembering the answer for up to 1024 short paths (a
    parameterised route costs a scan of every route; a dict lookup answers it next time)."""

    def __init__(self, routes: Mapping[str, Mapping[str, T]]) -> None:
        self.routes = routes
        self._seen: dict[str, tuple[str, Mapping[str, T], Params]] = {}

    def match(self, path: str) -> tuple[str, Mapping[str, T], Params]:
        """As ``match(path, routes)``; the parameters are shared: read them, don't change them."""
        found = self._seen.get(path)
        if found is None:
            found = match(path, self.routes)
            if len(path) <= 256 and len(self._seen) < 1024:
                self._seen[path] = found
        return found


def resolve(path: str, routes: Mapping[str, Mapping[str, T]]) -> tuple[str, Mapping[str, T]]:
    """The route whose path equals ``path`` or ends it after a '/' (e.g. ``/api/predict``)."""
    route, methods, _ = match(path, routes)
    return route, methods


def match(path: str, routes: Mapping[str, Mapping[str, T]]
          ) -> tuple[str, Mapping[str, T], Params]:
    """The best route for ``path``, its methods and its parameters."""
    clean = "/" + path.strip("/")
    if clean in routes:  # the common case: one dict lookup
        return clean, routes[clean], {}
    segments = clean.split("/")[1:]
    best: tuple[int, int, str, Params] | None = None
    for route in routes:
        if route == "/":
            continue
        params = _suffix_params(route, segments)
        if params is not None:
            rank = (route.count("/"), -len(params))
            if best is None or rank > best[:2]:
                best = (*rank, route, params)
    if best is None:
        raise errors.NotFound(f"no route for {errors.shown(clean, 100)}; try POST /predict, "
                              "GET /health, GET /model, GET /v2")
    return best[2], routes[best[2]], best[3]


@lru_cache(maxsize=256)
def _parts(route: str) -> tuple[str, ...]:
    return tuple(route.strip("/").split("/"))


def _suffix_params(route: str, segments: list[str]) -> Params | None:
    """The parameters when ``segments`` end with ``route``'s segments, else None."""
    parts = _parts(route)
    last = parts[-1]
    if len(parts) > len(segments) or (last[:1] != "{" and last != segments[-1]):
        return None
    params: Params = {}
    for part, segment in zip(parts, segments[len(segments) - len(parts):], strict=True):
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params
