"""A URL that passed the policy, with the addresses its host resolved to.

Kept apart from ``core.fetch.pinning`` (which subclasses urllib3's connections) so that
``core.fetch.url_policy`` checks and resolves a URL without importing urllib3: the first URL's
host name can then be resolved while urllib3 is being imported (``core.pipeline.predict``).
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Target(NamedTuple):
    """A URL that passed the policy, with the addresses its host resolved to (a named tuple:
    a frozen dataclass would compile its methods on the first URL's path, ~0.5 ms)."""

    url: str
    host: str
    port: int
    addresses: tuple[Address, ...]
    scheme: str = "http"


def host_header(target: Target) -> str:
    """The Host header value for ``target`` (port only when not the scheme's default)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"
