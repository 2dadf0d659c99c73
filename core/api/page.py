"""The demo page served at ``GET /``: one self-contained HTML file, read once and cached.

The page lives next to this module (``core/api/static/index.html``), so every bundle that copies
``core/`` carries it. Its Content-Security-Policy allows only the page's own inline ``<script>``
and ``<style>`` blocks, by their SHA-256 hashes computed when the file is loaded.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from core.messages import Response

PAGE_PATH = Path(__file__).resolve().parent / "static" / "index.html"

_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """The page's bytes and the security headers that go with them."""

    body: bytes
    headers: dict[str, str]

    def response(self) -> Response:
        """A fresh response (headers copied: the service adds its own to each response)."""
        return Response(200, self.body, dict(self.headers))


def inline_hashes(html: str) -> dict[str, list[str]]:
    """CSP source expressions ('sha256-...') of each inline script and style block."""
    found: dict[str, list[str]] = {"script": [], "style": []}
    for kind, content in _BLOCK.findall(html):
        digest = hashlib.sha256(content.encode("utf-8")).digest()
        found[kind.lower()].append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return found


def content_security_policy(html: str) -> str:
    """A strict policy: nothing but the page's own inline code, same-origin API calls and
    image previews (a picked file's blob: URL, or the http(s) image URL the user pasted)."""
    hashes = inline_hashes(html)
    directives = {
        "default-src": "'none'",
        "script-src": " ".join(hashes["script"]) or "'none'",
        "style-src": " ".join(hashes["style"]) or "'none'",
        "img-src": "'self' blob: data: https: http:",
        "connect-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def build(html: str) -> Page:
    """The page for ``html`` with its headers."""
    return Page(html.encode("utf-8"), {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": content_security_policy(html),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    })


@functools.cache
def load() -> Page:
    """The demo page, read from disk on first use only."""
    return build(PAGE_PATH.read_text(encoding="utf-8"))


def page_response() -> Response:
    """The ``GET /`` response."""
    return load().response()
