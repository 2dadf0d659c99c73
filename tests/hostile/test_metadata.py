"""Cloud metadata endpoints stay refused whatever ALLOW_PRIVATE_URLS says.

Every test runs in the network jail (tests/hostile/conftest.py): no packet leaves loopback, and
each asserts that no connection was even attempted to the metadata address.
"""

from __future__ import annotations

import ipaddress

import pytest

from core import errors
from core.fetch.url_policy import UrlPolicy, is_metadata
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of, strict_settings
from tests.hostile.netjail import NetJail

METADATA_URLS = [
    "http://169.254.169.254/latest/meta-data/", "http://169.254.169.254:80/latest/api/token",
    "http://[fd00:ec2::254]/latest/meta-data/", "http://169.254.170.2/v2/credentials/x",
    "http://169.254.170.23/v1/credentials", "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/machine?comp=goalstate", "http://169.254.169.253/",
    "http://[::ffff:169.254.169.254]/latest/", "http://[::ffff:a9fe:a9fe]/latest/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://metadata/computeMetadata/v1/",
]


def assert_metadata_refused(service_response_status: tuple[int, str], message: str) -> None:
    assert service_response_status == (400, "url_not_allowed")
    assert "metadata" in message and "URL_ALLOWLIST" in message, message


@pytest.mark.parametrize("url", METADATA_URLS)
def test_metadata_is_refused_even_with_allow_private_urls(
        make_service: MakeService, jail: NetJail, url: str) -> None:
    jail.answer("metadata.google.internal", ["169.254.169.254"])
    jail.answer("metadata", ["169.254.169.254"])
    service = make_service(allow_private_urls=True, allowed_ports=(80, 443, 8080))
    response = call(service, {"url": url})
    assert_metadata_refused(error_of(response), response.json()["error"]["message"])
    assert jail.connects == [], jail.connects


@pytest.mark.parametrize("allowlist", [("169.254.0.0/16",), ("0.0.0.0/0", "::/0"),
                                       ("fd00:ec2::/32",), (".internal",)])
def test_a_wide_allowlist_entry_does_not_open_metadata(
        make_service: MakeService, jail: NetJail, allowlist: tuple[str, ...]) -> None:
    jail.answer("metadata.google.internal", ["169.254.169.254"])
    service = make_service(url_allowlist=allowlist, allow_private_urls=True)
    for url in ("http://169.254.169.254/latest/", "http://[fd00:ec2::254]/latest/",
                "http://metadata.google.internal/computeMetadata/v1/"):
        status = error_of(call(service, {"url": url}))
        assert status == (400, "url_not_allowed"), (allowlist, url)
    assert jail.connects == []


def test_a_redirect_to_metadata_is_refused_with_private_urls_allowed(
        make_service: MakeService, jail: NetJail) -> None:
    service = make_service(allow_private_urls=True)
    with servers.serving(servers.redirect("http://169.254.169.254/latest/meta-data/")) as host:
        status = error_of(call(service, {"url": host.url()}))
    assert status == (400, "url_not_allowed")
    assert jail.connects and all(ip == "127.0.0.1" for ip, _ in jail.connects), jail.connects


def test_only_the_exact_address_in_url_allowlist_opens_a_metadata_endpoint(
        jail: NetJail) -> None:
    policy = UrlPolicy(strict_settings(url_allowlist=("169.254.169.254/32",)))
    target = policy.check("http://169.254.169.254/latest/meta-data/")
    assert target.addresses == (ipaddress.ip_address("169.254.169.254"),)
    with pytest.raises(errors.URLNotAllowed, match="metadata"):
        policy.check("http://169.254.170.2/v2/credentials/x")  # another endpoint: still shut
    assert jail.connects == []


def test_loopback_recipe_still_works_and_refusals_name_the_settings(
        make_service: MakeService, jail: NetJail) -> None:
    data = images.jpeg()
    with servers.serving(servers.body(data, Content_Length=len(data))) as host:
        port_refused = call(make_service(url_allowlist=("127.0.0.1/32",)), {"url": host.url()})
        address_refused = call(make_service(allowed_ports=(host.port,)), {"url": host.url()})
        ok = call(make_service(url_allowlist=("127.0.0.1/32",), allowed_ports=(host.port,)),
                  {"url": host.url()})
    assert error_of(port_refused) == (400, "url_not_allowed")
    message = port_refused.json()["error"]["message"]
    assert f"port {host.port}" in message and "ALLOWED_PORTS is 80,443" in message, message
    assert error_of(address_refused) == (400, "url_not_allowed")
    assert "URL_ALLOWLIST" in address_refused.json()["error"]["message"]
    assert ok.status == 200, ok.body


@pytest.mark.parametrize(("address", "metadata"), [
    ("169.254.169.254", True), ("fd00:ec2::254", True), ("::ffff:169.254.170.2", True),
    ("100.100.100.200", True), ("169.254.1.1", False), ("127.0.0.1", False),
    ("93.184.216.34", False),
])
def test_metadata_classification(address: str, metadata: bool) -> None:
    assert is_metadata(ipaddress.ip_address(address)) is metadata
