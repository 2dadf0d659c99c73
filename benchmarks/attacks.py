"""Attackers for ``make soak``: slow clients and decoder bombs, run while good clients measure.

* ``slow``: each thread keeps a connection busy the slowloris way (a request head dripped one
  byte a second, or a declared body that never comes), reconnecting when the server closes it.
* ``bombs``: each thread posts, in turn, a progressive JPEG with a flood of scans, a 5000 x 5000
  lossless RGBA WebP (1 kB), a 5000 x 5000 16-bit grey PNG (50 kB), an RGBA PNG of the same
  size and a form of 100,000 tiny parts; every answer must be a 2xx or 4xx.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from collections import Counter
from typing import Any

import numpy as np
from PIL import Image

Bomb = tuple[str, bytes, str]


def bombs() -> list[Bomb]:
    """(name, body, content type) of each bomb."""
    def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()
    jpeg = encode(Image.new("RGB", (3000, 3000), (120, 30, 200)), "JPEG", progressive=True)
    last = jpeg.rfind(b"\xff\xda")
    flood = jpeg[:-2] + jpeg[last:-2] * 300 + b"\xff\xd9"
    rgba = Image.new("RGBA", (5000, 5000), (1, 2, 3, 4))
    grey = Image.fromarray(np.zeros((5000, 5000), dtype="<u2"))
    form = b"".join(b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
                    for _ in range(100_000)) + b"--b--\r\n"
    return [("scan-flood", flood, "image/jpeg"),
            ("webp-rgba", encode(rgba, "WEBP", lossless=True), "image/webp"),
            ("png-16bit", encode(grey, "PNG"), "image/png"),
            ("png-rgba", encode(rgba, "PNG"), "image/png"),
            ("form-flood", form, "multipart/form-data; boundary=b")]


class Attack:
    """Slow-client and bomb threads against 127.0.0.1:``port`` until ``stop``."""

    def __init__(self, port: int, slow: int, bomb: int) -> None:
        self.port = port
        self.statuses: Counter[str] = Counter()
        self.slow_closed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._bombs = bombs() if bomb else []
        self._threads = [threading.Thread(target=self._slow, args=(i,), daemon=True)
                         for i in range(slow)]
        self._threads += [threading.Thread(target=self._bomb, args=(i,), daemon=True)
                          for i in range(bomb)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> dict[str, Any]:
        """Stop every attacker; what they saw."""
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        return {"bomb_statuses": dict(self.statuses), "slow_connections_closed_by_server":
                self.slow_closed}

    def _slow(self, index: int) -> None:
        head = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n"
                b"Content-Length: 100000\r\n\r\n" if index % 2 else
                b"POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    sock.sendall(head)
                    while not self._stop.wait(1.0):
                        sock.sendall(b"a" if index % 2 == 0 else b"")
                        sock.settimeout(0.01)
                        try:
                            if sock.recv(1) == b"":
                                break
                        except TimeoutError:
                            pass
            except OSError:
                pass
            with self._lock:
                self.slow_closed += not self._stop.is_set()

    def _bomb(self, index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        turn = index
        while not self._stop.is_set():
            name, body, kind = self._bombs[turn % len(self._bombs)]
            turn += 1
            try:
                conn.request("POST", "/predict", body, {"Content-Type": kind})
                response = conn.getresponse()
                response.read()
                verdict = f"{name}:{response.status}"
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                verdict = f"{name}:transport"
            with self._lock:
                self.statuses[verdict] += 1
            time.sleep(0.05)
