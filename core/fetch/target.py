"""A URL that passed the policy, with the addresses its host resolved to, and its request target.

Kept apart from ``core.fetch.pinning`` (which subclasses http.client's connection) so that
``core.fetch.url_policy`` checks and resolves a URL without importing the HTTP client: the first
URL's host name can then be resolved while it is being imported (``core.pipeline.predict``).
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple
from urllib.parse import urlsplit

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


_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_PATH_SAFE = frozenset(_UNRESERVED + "!$&'()*+,;=" + ":@/")  # RFC 3986 pchar and "/"
_QUERY_SAFE = _PATH_SAFE | {"?"}
_HEX = frozenset(b"0123456789abcdefABCDEF")


def request_path(url: str) -> str:
    """The request target of ``url``: its path (``/`` when empty) and query, what may not
    appear there percent-encoded (UTF-8), existing escapes kept; the fragment left out."""
    parts = urlsplit(url)
    path = _encode(parts.path, _PATH_SAFE) or "/"
    return f"{path}?{_encode(parts.query, _QUERY_SAFE)}" if "?" in url.split("#")[0] else path


def _encode(text: str, safe: frozenset[str]) -> str:
    data = text.encode("utf-8", "surrogatepass")
    out = []
    i = 0
    while i < len(data):
        byte = data[i]
        if chr(byte) in safe:
            out.append(chr(byte))
        elif byte == 0x25 and i + 2 < len(data) and data[i + 1] in _HEX and data[i + 2] in _HEX:
            out.append("%" + data[i + 1:i + 3].decode("ascii").upper())
            i += 3
            continue
        else:
            out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)
