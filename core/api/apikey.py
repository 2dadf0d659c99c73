"""The optional bearer API key, for front ends with no gateway authentication of their own
(the container on Cloud Run or Container Apps, the local server bound beyond loopback).

Only the sha256 of each accepted key is configured (``API_KEYS_SHA256``). The presented key is
hashed and compared with every configured digest by ``hmac.compare_digest``, all of them each
time, so neither a key's content nor its position in the list shows in the answer's timing.
Neither the key nor its digest is ever put in a message or a log line.
"""

from __future__ import annotations

from core import errors
from core.config import Settings
from core.messages import Request

MISSING = "this service needs an API key: send Authorization: Bearer <key>"
REFUSED = "the API key is not accepted"


def presented_key(request: Request) -> str | None:
    """The key of an ``Authorization: Bearer KEY`` header (scheme in any case), else None."""
    value = request.headers.get("authorization", "")
    scheme, _, key = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


def accepted(key: str, digests: tuple[str, ...]) -> bool:
    """Whether ``key``'s sha256 is one of ``digests``, comparing with every one of them."""
    import hashlib  # here: a service without keys never hashes one (OpenSSL loads at import)
    import hmac

    presented = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest().encode()
    found = False
    for digest in digests:
        found |= hmac.compare_digest(presented, digest.encode())
    return found


def require_key(request: Request, route: str | None, settings: Settings) -> None:
    """Raise Unauthorized unless no key is configured, the route is left open, or the request
    carries an accepted key. ``route`` is None for a path that matches no route: without a key
    it is refused like any other, so a stranger cannot map the routes."""
    if not settings.api_keys_sha256 or route in settings.api_key_open_routes:
        return
    key = presented_key(request)
    if key is None:
        raise errors.Unauthorized(MISSING)
    if not accepted(key, settings.api_keys_sha256):
        raise errors.Unauthorized(REFUSED)
