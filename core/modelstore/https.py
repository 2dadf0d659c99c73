"""The plain ``https://`` reader: a public, presigned, signed or SAS URL, with urllib3.

Its neighbours (manifest, labels, external data) are the same path's siblings with the model
URL's query, which an Azure container SAS signs; a URL signed for one object reaches only it,
so its manifest and labels count as absent and a sidecar stops the start naming itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import certifi
import urllib3

from core.modelstore.reader import Reader
from core.modelstore.uri import ModelUri

_ABSENT = (400, 401, 403, 404)  # a signature that covers only the model answers 400 or 403
_CHUNK = 1 << 20


class HttpStatus(Exception):
    """An answer other than 200, with its status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def https_reader(uri: ModelUri, timeout: float) -> Reader:
    """Reads ``uri``'s siblings over verified TLS, each connect and read within ``timeout``;
    the certificate authorities are certifi's, or OpenSSL's ``SSL_CERT_FILE`` when set."""
    pool = urllib3.PoolManager(
        cert_reqs="CERT_REQUIRED", ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=urllib3.Retry(total=2, read=0, redirect=3, backoff_factor=0.2))

    def get(name: str, dest: Path) -> None:
        response = pool.request("GET", uri.url(name), preload_content=False)
        try:
            if response.status != 200:
                raise HttpStatus(response.status)
            with dest.open("wb") as out:
                for chunk in response.stream(_CHUNK):  # a short body raises: Content-Length
                    out.write(chunk)
        finally:
            response.release_conn()

    return Reader(get, lambda exc: isinstance(exc, HttpStatus) and exc.status in _ABSENT)
