"""Which image URLs may be fetched: the seam between fetching and SSRF protection."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from core import errors
from core.config import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, with the addresses its host resolved to."""

    url: str
    host: str
    port: int
    addresses: tuple[Address, ...]


class UrlPolicy:
    """Checks a URL before any connection: scheme, credentials, port, resolved addresses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def session(self) -> requests.Session:
        """A new HTTP session for one thread."""
        return requests.Session()

    def check(self, url: str) -> Target:
        """Validate ``url``; raise URLNotAllowed (400) naming the reason."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise errors.URLNotAllowed("only http and https image URLs are allowed")
        if parts.username is not None or parts.password is not None:
            raise errors.URLNotAllowed("image URLs must not carry credentials")
        host = parts.hostname
        if not host:
            raise errors.URLNotAllowed("the image URL has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise errors.URLNotAllowed("the image URL has an invalid port") from exc
        if port not in self.settings.allowed_ports and not self.settings.allow_private_urls:
            raise errors.URLNotAllowed(f"port {port} is not allowed for image URLs")
        addresses = self.resolve(host, port)
        if not self.settings.allow_private_urls:
            for address in addresses:
                if not address.is_global:
                    raise errors.URLNotAllowed("the image URL points to a non-public address")
        return Target(url, host, port, addresses)

    def resolve(self, host: str, port: int) -> tuple[Address, ...]:
        """Every address ``host`` resolves to."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise errors.URLUnreachable("the image host name could not be resolved") from exc
        return tuple(ipaddress.ip_address(info[4][0]) for info in infos)

    def get(self, session: requests.Session, url: str, target: Target,
            timeout: tuple[float, float]) -> requests.Response:
        """Open ``url`` (already checked as ``target``) for streaming; redirects not followed."""
        return session.get(url, stream=True, timeout=timeout, allow_redirects=False)
