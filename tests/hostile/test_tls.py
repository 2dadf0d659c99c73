"""TLS through the pinned connection: SNI and the certificate check use the original host name."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest

import core.fetch.pinning
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of
from tests.hostile.netjail import NetJail

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA and a leaf certificate for pics.internal, signed by it."""
    d = tmp_path_factory.mktemp("pki")
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=test-ca", cwd=d)
    _run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
         "-subj", "/CN=pics.internal", cwd=d)
    (d / "ext").write_text("subjectAltName=DNS:pics.internal\n")
    _run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "ext", cwd=d)
    return d


def tls_body(pki: Path, seen: list[str | None]) -> servers.Behaviour:
    """Serve a JPEG over TLS, recording the SNI name each client sent."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki / "leaf.pem", pki / "leaf.key")
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    data = images.jpeg()

    def run(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(servers.head(Content_Length=len(data)) + data)
    return run


@pytest.fixture
def trust(pki: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the test CA (only) in pinned pools; verification stays on."""
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    monkeypatch.setattr(core.fetch.pinning, "tls_context", lambda: context)


def serve_tls(pki: Path, make_service: MakeService, jail: NetJail, name: str
              ) -> tuple[int, str, list[str | None], int]:
    seen: list[str | None] = []
    with servers.serving(tls_body(pki, seen), read_head=False) as server:
        jail.answer(name, ["127.0.0.1"])
        service = make_service(url_allowlist=(name,), allowed_ports=(server.port,))
        response = call(service, {"url": f"https://{name}:{server.port}/a.jpg"})
        status, code = (200, "") if response.status == 200 else error_of(response)
        return status, code, seen, server.accepts


def test_https_is_pinned_with_sni_and_verified(pki: Path, trust: None, make_service: MakeService,
                                               jail: NetJail) -> None:
    status, _, seen, _ = serve_tls(pki, make_service, jail, "pics.internal")
    assert status == 200
    assert seen == ["pics.internal"]
    assert jail.connects and all(c[0] == "127.0.0.1" for c in jail.connects)


def test_an_untrusted_certificate_is_refused(pki: Path, make_service: MakeService,
                                             jail: NetJail) -> None:
    status, code, _, _ = serve_tls(pki, make_service, jail, "pics.internal")
    assert (status, code) == (422, "url_unreachable")


def test_a_certificate_for_another_name_is_refused(pki: Path, trust: None,
                                                   make_service: MakeService,
                                                   jail: NetJail) -> None:
    status, code, seen, _ = serve_tls(pki, make_service, jail, "other.internal")
    assert (status, code) == (422, "url_unreachable")
    assert seen == ["other.internal"]
