"""Which image URLs may be fetched: the SSRF seam.

``check`` validates a URL (scheme, credentials, port, host notation), resolves its host ONCE and
refuses it when any address is non-public (IPv4 forms embedded in IPv6 are unwrapped first).
The fetch then connects to a validated address and nothing else
(``core.fetch.pinning.PinnedPools``), while the Host header, TLS SNI and the certificate check
use the original host name, so DNS rebinding between check and connect cannot change where the
request goes.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from core import errors
from core.config import Settings
from core.fetch.target import Address, Target

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Refused even when ``is_global`` says otherwise (Python's tables vary between versions).
BLOCKED_NETWORKS: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
# Cloud metadata and platform endpoints: refused even with ALLOW_PRIVATE_URLS=true or a wider
# URL_ALLOWLIST network; only an URL_ALLOWLIST entry naming the exact address (or name) opens one.
# AWS IMDS (+ DNS, NTP, IPv6 forms), ECS task metadata, EKS Pod Identity, Alibaba, Azure WireServer.
METADATA_ADDRESSES: frozenset[Address] = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.169.253", "169.254.169.123", "169.254.170.2", "169.254.170.23",
    "fd00:ec2::254", "fd00:ec2::253", "fd00:ec2::123", "fd00:ec2::23",
    "100.100.100.200", "168.63.129.16",
))
METADATA_NAMES = ("metadata.google.internal", "metadata.goog", "metadata")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HOST_RE = re.compile(r"^[a-z0-9_]([a-z0-9_\-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_\-]*[a-z0-9_])?)*$")


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """IPv4 addresses carried inside an IPv6 one: mapped, NAT64, 6to4, Teredo, compatible."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in _NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return tuple(a for a in found if a is not None)


def is_metadata(address: Address) -> bool:
    """True for a cloud metadata endpoint, also when written inside an IPv6 address."""
    if address in METADATA_ADDRESSES:
        return True
    return isinstance(address, ipaddress.IPv6Address) and any(
        a in METADATA_ADDRESSES for a in embedded_ipv4(address))


def is_forbidden(address: Address) -> bool:
    """True unless ``address`` (and every IPv4 address embedded in it) is publicly routable."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if any(is_forbidden(a) for a in inner):
            return True
        if address.ipv4_mapped or address.sixtofour or address in _NAT64:
            return False  # the embedded IPv4 address is the real destination
    return (not address.is_global or address.is_multicast or address.is_reserved
            or address.is_unspecified or address.is_loopback or address.is_link_local
            or any(address in net for net in BLOCKED_NETWORKS if net.version == address.version))


_METADATA_REFUSAL = ("the image URL points to a cloud metadata address (refused unless "
                     "URL_ALLOWLIST names that exact address)")


class UrlPolicy:
    """Checks a URL before any connection: scheme, credentials, port, resolved addresses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        names, nets = [], []
        for entry in settings.url_allowlist:
            try:
                nets.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry.lower().rstrip("."))
        self._allow_names = tuple(names)
        self._allow_nets: tuple[Network, ...] = tuple(nets)
        # Metadata endpoints open only by an entry naming that one address.
        self._allow_exact = frozenset(n.network_address for n in nets if n.num_addresses == 1)

    def check(self, url: str) -> Target:
        """Validate ``url``; raise URLNotAllowed (400) naming the reason."""
        scheme, host, port = self._parse(url)
        named = self._host_allowed(host)
        if (port not in self.settings.allowed_ports and not self.settings.allow_private_urls):
            ports = ",".join(str(p) for p in self.settings.allowed_ports) or "none"
            raise errors.URLNotAllowed(
                f"port {port} is not allowed for image URLs (ALLOWED_PORTS is {ports})")
        if host in METADATA_NAMES and host not in self._allow_names:
            raise errors.URLNotAllowed(_METADATA_REFUSAL)
        addresses = self.resolve(host, port)
        for address in addresses:
            if is_metadata(address) and address not in self._allow_exact:
                raise errors.URLNotAllowed(_METADATA_REFUSAL)
        if not (self.settings.allow_private_urls or named):
            for address in addresses:
                if is_forbidden(address) and not any(address in n for n in self._allow_nets):
                    raise errors.URLNotAllowed(
                        "the image URL points to a non-public address (not in URL_ALLOWLIST)")
        return Target(url, host, port, addresses, scheme)

    def check_first(self, url: str) -> Target:
        """``check(url)``, then for an https URL the process's TLS context made: what the
        first URL needs besides the HTTP client, run on a thread beside its import
        (``core.pipeline.predict.Pipeline.fetch``)."""
        target = self.check(url)
        if target.scheme == "https":
            from core.fetch.tls import tls_context  # ssl: imported on this thread, not before

            tls_context()
        return target

    def _parse(self, url: str) -> tuple[str, str, int]:
        if any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in url):
            raise errors.URLNotAllowed("the image URL contains spaces or control characters")
        try:
            parts = urlsplit(url)
            raw_host, raw_port = parts.hostname, parts.port
        except ValueError as exc:
            raise errors.URLNotAllowed("the image URL has an invalid host or port") from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise errors.URLNotAllowed("only http and https image URLs are allowed")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise errors.URLNotAllowed("image URLs must not carry credentials")
        if not raw_host:
            raise errors.URLNotAllowed("the image URL has no host")
        port = (443 if scheme == "https" else 80) if raw_port is None else raw_port
        if not 0 < port < 65536:
            raise errors.URLNotAllowed("the image URL has an invalid port")
        return scheme, normalise_host(raw_host), port

    def _host_allowed(self, host: str) -> bool:
        return any(host == name or (name.startswith(".") and host.endswith(name))
                   for name in self._allow_names)

    def resolve(self, host: str, port: int) -> tuple[Address, ...]:
        """Every address ``host`` resolves to, in the resolver's order, without duplicates; an
        IP address (``normalise_host`` wrote it canonically) is its own, asking no resolver.
        The name goes to the resolver as ASCII bytes (``normalise_host`` made it so): as a str,
        the socket module would import its IDNA codec (~3 ms) to encode it again."""
        try:
            return (ipaddress.ip_address(host),)
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host.encode("ascii"), port, type=socket.SOCK_STREAM)
            found = [ipaddress.ip_address(str(info[4][0])) for info in infos]
        except (OSError, UnicodeError, ValueError) as exc:
            raise errors.URLUnreachable("the image host name could not be resolved") from exc
        if not found:
            raise errors.URLUnreachable("the image host name could not be resolved")
        return tuple(dict.fromkeys(found))


def normalise_host(raw: str) -> str:
    """The host in canonical form; odd numeric notations (``0x7f.1``, ``2130706433``) refused."""
    host = raw.lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise errors.URLNotAllowed("the image URL has an invalid host name") from exc
    if not _HOST_RE.match(host):
        raise errors.URLNotAllowed("the image URL has an invalid host name")
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        raise errors.URLNotAllowed("the image URL writes an IP address in a non-standard form")
    return host


