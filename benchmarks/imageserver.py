"""The benchmarks' image host: a folder over HTTP/1.1 keep-alive on 127.0.0.1.

``python -m benchmarks.imageserver DIRECTORY [--tls PKI]`` prints ``Serving HTTP on 127.0.0.1
port N`` and serves until killed; with ``--tls`` it speaks https with the certificate for
127.0.0.1 that ``make_pki`` made (the suite trusts that CA beside certifi's roots). Real image
hosts (S3, a CDN) keep connections alive; ``python -m http.server`` speaks HTTP/1.0 and opens a
new connection and a new thread per image (~0.7 ms here), which is the test server's cost, not
the client's. The suite also measures once against ``http.server`` so both figures are on
record.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, keep-alive (every answer carries Content-Length), no access log.

    Nagle is off, as on production web servers: the handler writes the headers and the body
    separately, and on a kept-alive connection the body would otherwise wait for the client's
    delayed ACK (~40 ms).
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a log line per image would be part of what is measured."""


def make_pki(directory: Path) -> Path:
    """A bench CA (``ca.pem``) and an RSA-2048 certificate for 127.0.0.1 signed by it
    (``leaf.pem``, ``leaf.key``), made once with the openssl command; returns ``directory``."""
    if (directory / "leaf.pem").is_file():
        return directory
    if shutil.which("openssl") is None:
        raise SystemExit("error: the https image host needs the openssl command "
                         "(apt-get install openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ext").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                   "authorityKeyIdentifier=keyid,issuer\n")
    steps = (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "3650", "-subj", "/CN=bench-ca"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "leaf.pem", "-days", "3650", "-extfile", "ext"],
    )
    for step in steps:
        subprocess.run(["openssl", *step], cwd=directory, check=True, capture_output=True,
                       timeout=60)
    return directory


def main() -> int:
    """Serve DIRECTORY on a free port of 127.0.0.1."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imageserver")
    parser.add_argument("directory")
    parser.add_argument("--tls", type=Path, help="a make_pki directory: serve https")
    args = parser.parse_args()
    handler = functools.partial(Handler, directory=args.directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        if args.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(args.tls / "leaf.pem", args.tls / "leaf.key")
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(f"Serving HTTP on 127.0.0.1 port {server.server_address[1]}", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
