"""MODEL_URI as a plain https URL (public, presigned, signed or SAS), against a real TLS server
on 127.0.0.1 whose certificate authority the test makes and names in SSL_CERT_FILE."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import trustme

from core.api.model_loading import classifier_from_settings
from core.errors import ConfigError
from tests.conftest import make_settings
from tests.core.modelstore.test_stores import MODEL, SIDECAR, course_pair
from tests.processes import in_thread

SIGNATURE = "X-Sig=s3cr3t&Expires=99"


class Files(ThreadingHTTPServer):
    """Serves ``files`` by path; a path in ``short`` promises more bytes than it sends."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.short: set[str] = set()
        self.queries: list[str] = []
        self.signed_only: str | None = None  # only this path accepts SIGNATURE


class _Handler(BaseHTTPRequestHandler):
    server: Files

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.queries.append(parts.query)
        body = self.server.files.get(parts.path)
        signed = self.server.signed_only in (None, parts.path)
        if body is None or not signed:
            self.send_error(404 if signed else 403)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if parts.path in self.server.short else body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls(offline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Files]:
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    server = Files()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with in_thread(server):
        yield server


def url(server: Files, path: str) -> str:
    return f"https://127.0.0.1:{server.server_address[1]}{path}"


def publish(server: Files, folder: Path, prefix: str) -> None:
    for path in folder.iterdir():
        server.files[prefix + path.name] = path.read_bytes()


def test_a_public_url_serves_the_pair_with_its_manifest(tls: Files, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    publish(tls, model.parent, "/models/hair/")
    settings = make_settings(model_uri=url(tls, f"/models/hair/{MODEL}"), model_sha256=identity,
                             model_cache_dir=tmp_path / "cache")
    classifier = classifier_from_settings(settings)
    assert classifier.describe()["sha256"] == identity
    assert classifier.manifest.labels == ("curly", "straight")


def test_plain_https_needs_the_sha256(tls: Files, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a plain https URL: set MODEL_SHA256"):
        classifier_from_settings(make_settings(model_uri=url(tls, "/m.onnx"),
                                               model_cache_dir=tmp_path))


def test_a_truncated_body_stops_the_start(tls: Files, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    publish(tls, model.parent, "/")
    tls.short.add(f"/{SIDECAR}")
    with pytest.raises(ConfigError, match=f"downloading {SIDECAR} failed") as caught:
        classifier_from_settings(make_settings(
            model_uri=url(tls, f"/{MODEL}"), model_sha256=identity,
            model_cache_dir=tmp_path / "cache"))
    assert "\n" not in str(caught.value)
    assert not list((tmp_path / "cache").rglob("*.onnx"))


def test_a_signed_url_keeps_its_signature_out_of_errors(tls: Files, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    publish(tls, model.parent, "/")
    tls.signed_only = f"/{MODEL}"  # signed for the graph alone, as a presigned URL is
    with pytest.raises(ConfigError, match=f"downloading {SIDECAR} does not exist") as caught:
        classifier_from_settings(make_settings(
            model_uri=url(tls, f"/{MODEL}?{SIGNATURE}"), model_sha256=identity,
            model_cache_dir=tmp_path / "cache"))
    assert "s3cr3t" not in str(caught.value)
    assert set(tls.queries) == {SIGNATURE}  # every neighbour was asked with the same query


def test_a_wrong_certificate_is_refused(tls: Files, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # certifi's authorities do not know the test's
    with pytest.raises(ConfigError, match=r"downloading m\.onnx failed"):
        classifier_from_settings(make_settings(model_uri=url(tls, "/m.onnx"),
                                               model_sha256="0" * 64, model_cache_dir=tmp_path))
