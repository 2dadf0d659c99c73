"""SSRF: every forbidden form is refused with 400 and NO connection is attempted to it."""

from __future__ import annotations

import ipaddress

import pytest

from core import errors
from core.api.service import Service
from core.config import Settings
from core.errors import ConfigError
from core.fetch.pinning import ConnectFailed, PinnedPools, Target
from core.fetch.url_policy import UrlPolicy, is_forbidden, normalise_host
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of, strict_settings
from tests.hostile.netjail import NetJail

FORBIDDEN_LITERALS = [
    "http://127.0.0.1/", "http://127.255.255.254/", "http://10.0.0.1/", "http://172.16.0.1/",
    "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://192.0.0.170/", "http://198.18.0.1/", "http://224.0.0.1/",
    "http://240.0.0.1/", "http://255.255.255.255/", "http://192.0.2.1/", "http://[::1]/",
    "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b:1::a00:1]/", "http://[2002:7f00:1::]/", "http://[2002:a9fe:a9fe::1]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://[::127.0.0.1]/",
    "http://[fc00::1]/", "http://[fd00:ec2::254]/", "http://[fe80::1]/", "http://[ff02::1]/",
    "http://[fec0::1]/", "http://[2001:db8::1]/", "https://169.254.169.254/",
]
ODD_NOTATIONS = [
    "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/",
    "http://0x7f000001/", "http://017700000001/", "http://127.0.1/", "http://0/",
    "http://169.254.43518/", "http://0xa9.0xfe.0xa9.0xfe/",
]
NOT_HTTP = [
    "file:///etc/passwd", "ftp://example.com/a.jpg", "gopher://127.0.0.1:70/_x",
    "dict://127.0.0.1:11211/stat", "data:image/png;base64,AAAA", "javascript:alert(1)",
    "ldap://127.0.0.1/", "jar:http://example.com/a!/b", "//example.com/a.jpg", "example.com",
]
BAD_SHAPES = [
    "http://user:pass@example.com/a.jpg", "http://user@example.com/a.jpg",
    "http://example.com@169.254.169.254/", "http://example.com\\@169.254.169.254/",
    "http://example.com:22/", "http://example.com:6379/", "http://example.com:0/",
    "http://example.com:99999/", "http://exa mple.com/", "http://example.com/\r\nX: y",
    "http://[::1/", "http:///a.jpg", "http://a..b/", "http://-x.com/",
]


def assert_refused(service: Service, jail: NetJail, url: str) -> None:
    status, code = error_of(call(service, {"url": url}))
    assert (status, code) == (400, "url_not_allowed"), url
    assert jail.connects == [], (url, jail.connects)


@pytest.mark.parametrize("url", FORBIDDEN_LITERALS + ODD_NOTATIONS + NOT_HTTP + BAD_SHAPES)
def test_forbidden_url_forms_never_connect(strict: Service, jail: NetJail, url: str) -> None:
    assert_refused(strict, jail, url)


@pytest.mark.parametrize("answers", [
    ["10.0.0.5"], ["127.0.0.1"], ["169.254.169.254"], ["100.100.100.200"], ["::1"],
    ["93.184.216.34", "127.0.0.1"], ["2606:2800:220:1::", "fd00::1"], ["::ffff:10.0.0.1"],
    ["64:ff9b::a00:1"], ["0.0.0.0"], ["198.19.0.1"],
])
def test_names_resolving_to_any_private_address_are_refused(
        strict: Service, jail: NetJail, answers: list[str]) -> None:
    jail.answer("images.example", answers)
    assert_refused(strict, jail, "http://images.example/cat.jpg")
    assert jail.resolved.count("images.example") == 1


def test_a_public_name_is_connected_to_the_validated_address_only(
        strict: Service, jail: NetJail) -> None:
    # Second lookup would rebind to loopback: the pinned address must be used, looked up once.
    jail.answer("rebind.example", ["93.184.216.34"], ["127.0.0.1"])
    status, code = error_of(call(strict, {"url": "http://rebind.example/a.jpg"}))
    assert (status, code) == (422, "url_unreachable")
    assert jail.connects == [("93.184.216.34", 80)]  # the jail refused it: nothing left the box
    assert jail.resolved.count("rebind.example") == 1


def test_pinned_connection_sends_the_original_host(make_service: MakeService,
                                                   jail: NetJail) -> None:
    with servers.serving(servers.body(images.jpeg(), Content_Type="image/jpeg",
                                      Content_Length=len(images.jpeg()))) as server:
        jail.answer("pics.internal", ["127.0.0.1"], ["10.9.9.9"])
        service = make_service(url_allowlist=("pics.internal",), allowed_ports=(server.port,))
        response = call(service, {"url": f"http://pics.internal:{server.port}/a.jpg"})
        assert response.status == 200, response.body
        assert f"host: pics.internal:{server.port}".encode() in server.requests[0].lower()
        assert jail.connects == [("127.0.0.1", server.port)]


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/iam/", "http://10.0.0.1/", "http://[::1]/",
    "http://[::ffff:169.254.169.254]/", "http://2130706433/", "file:///etc/passwd",
    "http://metadata.google.internal/computeMetadata/v1/", "gopher://127.0.0.1/",
    "http://user:pw@127.0.0.1/",
])
def test_redirects_to_forbidden_targets_never_connect(make_service: MakeService, jail: NetJail,
                                                      location: str) -> None:
    jail.answer("metadata.google.internal", ["169.254.169.254"])
    with servers.serving(servers.redirect(location)) as server:
        service = make_service(url_allowlist=("127.0.0.1/32",),
                               allowed_ports=(80, 443, server.port))
        status, code = error_of(call(service, {"url": server.url()}))
        assert (status, code) == (400, "url_not_allowed"), location
        assert jail.connects == [("127.0.0.1", server.port)]
        assert server.accepts == 1


def test_redirect_chains_are_capped_at_three(make_service: MakeService, jail: NetJail) -> None:
    with servers.serving(servers.redirect("/again")) as server:
        service = make_service(url_allowlist=("127.0.0.1",), allowed_ports=(server.port,))
        status, code = error_of(call(service, {"url": server.url()}))
        assert (status, code) == (422, "url_status")
        assert len(server.requests) == 4  # the first request plus three redirects


def test_allow_private_urls_permits_loopback_and_any_port(make_service: MakeService,
                                                         jail: NetJail) -> None:
    data = images.jpeg()
    with servers.serving(servers.body(data, Content_Length=len(data))) as server:
        assert call(make_service(), {"url": server.url()}).status == 400
        assert server.accepts == 0
        service = make_service(allow_private_urls=True)
        assert call(service, {"url": server.url()}).status == 200


def test_allowlisted_network_does_not_open_other_private_ranges(jail: NetJail) -> None:
    policy = UrlPolicy(strict_settings(url_allowlist=("10.1.0.0/16",)))
    jail.answer("a.corp", ["10.1.2.3"])
    jail.answer("b.corp", ["10.2.0.1"])
    assert policy.check("http://a.corp/x.jpg").addresses == (ipaddress.ip_address("10.1.2.3"),)
    with pytest.raises(errors.URLNotAllowed):
        policy.check("http://b.corp/x.jpg")


def test_pools_connect_to_the_pinned_address_under_the_original_name(jail: NetJail) -> None:
    """The socket goes to the validated IP, whatever the name would resolve to now; the Host
    header and SNI keep the name (test_tls checks SNI and the certificate on a real server)."""
    target = Target("https://pics.example/a.jpg", "pics.example", 443,
                    (ipaddress.ip_address("93.184.215.14"),), "https")
    jail.answer("pics.example", ["127.0.0.1"])  # a rebinding answer: never asked
    with pytest.raises(ConnectFailed):
        PinnedPools().get(target, target.addresses[0], "/a.jpg", {}, (1.0, 1.0), None)
    assert jail.connects == [("93.184.215.14", 443)]
    assert jail.resolved == []


@pytest.mark.parametrize(("address", "forbidden"), [
    ("8.8.8.8", False), ("2606:4700:4700::1111", False), ("::ffff:8.8.8.8", False),
    ("2002:808:808::1", False), ("64:ff9b::808:808", False), ("100.64.0.1", True),
    ("192.0.0.9", True), ("198.18.5.5", True), ("::ffff:100.64.0.1", True),
    ("2002:c0a8:101::", True), ("64:ff9b::c0a8:101", True), ("ff0e::1", True),
])
def test_address_classification(address: str, forbidden: bool) -> None:
    assert is_forbidden(ipaddress.ip_address(address)) is forbidden


def test_host_normalisation() -> None:
    assert normalise_host("Example.COM.") == "example.com"
    assert normalise_host("bücher.example") == "xn--bcher-kva.example"
    assert normalise_host("::FFFF:127.0.0.1") == "::ffff:7f00:1"
    for odd in ("0x7f.1", "2130706433", "127.1", "1.2.3.0x4"):
        with pytest.raises(errors.URLNotAllowed):
            normalise_host(odd)


def test_a_refused_first_address_falls_back_to_the_next_validated_one(
        make_service: MakeService, jail: NetJail) -> None:
    data = images.jpeg()
    with servers.serving(servers.body(data, Content_Length=len(data))) as server:
        jail.answer("two.internal", ["127.0.0.2", "127.0.0.1"])
        service = make_service(url_allowlist=("127.0.0.0/8",), allowed_ports=(server.port,))
        response = call(service, {"url": f"http://two.internal:{server.port}/a.jpg"})
        assert response.status == 200, response.body
        assert jail.connects == [("127.0.0.2", server.port), ("127.0.0.1", server.port)]


def test_safe_defaults_and_allowlist_validation() -> None:
    settings = Settings.from_env(env={})
    assert settings.allow_private_urls is False and settings.allowed_ports == (80, 443)
    assert settings.fetch_max_redirects == 3 and settings.url_allowlist == ()
    for bad in ("10.0.0.0/33", "a b", "http://x/", "a..b"):
        with pytest.raises(ConfigError):
            Settings.from_env(env={"URL_ALLOWLIST": bad})
    assert Settings.from_env(env={"URL_ALLOWLIST": "10.0.0.0/8, pics.corp, .corp"}).url_allowlist \
        == ("10.0.0.0/8", "pics.corp", ".corp")
