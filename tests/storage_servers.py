"""Real object-storage servers on 127.0.0.1 for the model store's tests, each started by a test
session and stopped after it: moto in server mode (S3), gcp-storage-emulator (Cloud Storage)
and Azurite (Azure Blob, from npm into build/node by `make test-deps`). Each is reached only
through its SDK's own endpoint setting; ``isolated_env`` also points every cloud's metadata
and every proxy at a closed port, so nothing can leave 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AZURITE = ROOT / "build" / "node" / "node_modules" / ".bin" / "azurite-blob"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")  # Azurite's documented development key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def isolated_env() -> dict[str, str]:
    """Dummy identities, no metadata services and refusing proxies for every SDK."""
    return {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "GOOGLE_CLOUD_PROJECT": "test", "GCE_METADATA_HOST": "127.0.0.1:9",
        "GCE_METADATA_IP": "127.0.0.1:9", "NO_GCE_CHECK": "True",
        "HTTP_PROXY": CLOSED, "HTTPS_PROXY": CLOSED, "http_proxy": CLOSED,
        "https_proxy": CLOSED, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }


@contextmanager
def _running(server: Any, port: int) -> Iterator[str]:
    """A threaded server started on 127.0.0.1:``port``; yields its URL, stops it after."""
    server.start()
    try:
        wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 in server mode; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    with _running(ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False),
                  port) as url:
        yield url


@contextmanager
def gcs_emulator() -> Iterator[str]:
    """gcp-storage-emulator in memory; yields STORAGE_EMULATOR_HOST."""
    from gcp_storage_emulator.server import create_server

    port = free_port()
    with _running(create_server("127.0.0.1", port, in_memory=True), port) as url:
        yield url


@contextmanager
def azurite() -> Iterator[str]:
    """Azurite's Blob service; yields its connection string."""
    if not AZURITE.exists():
        raise FileNotFoundError(f"{AZURITE} is missing: `make test-deps` installs Azurite")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="azurite-")
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", folder,
         "--silent", "--skipApiVersionCheck", "--loose"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        yield (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
               f"AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
