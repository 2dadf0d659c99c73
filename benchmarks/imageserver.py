"""The benchmarks' image host: a folder over HTTP/1.1 keep-alive on 127.0.0.1.

``python -m benchmarks.imageserver DIRECTORY`` prints ``Serving HTTP on 127.0.0.1 port N`` and
serves until killed. Real image hosts (S3, a CDN) keep connections alive; ``python -m
http.server`` speaks HTTP/1.0 and opens a new connection and a new thread per image (~0.7 ms
here), which is the test server's cost, not the client's. The suite also measures once against
``http.server`` so both figures are on record.
"""

from __future__ import annotations

import argparse
import functools
import http.server
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


def main() -> int:
    """Serve DIRECTORY on a free port of 127.0.0.1."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imageserver")
    parser.add_argument("directory")
    args = parser.parse_args()
    handler = functools.partial(Handler, directory=args.directory)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        print(f"Serving HTTP on 127.0.0.1 port {server.server_address[1]}", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
