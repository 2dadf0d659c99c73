"""Child processes and server threads the tests start (servers, runtime clients)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def stop(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Terminate a child process; kill it if it does not exit within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, env: dict[str, str] | None = None,
                 timeout: float = 60) -> subprocess.Popen[Any]:
    """``python -m core serve`` of the default model on 127.0.0.1:``port``, once it answers."""
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-m", "core", "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"python -m core serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise TimeoutError(f"python -m core serve did not answer on port {port} in {timeout} s")


@contextmanager
def in_thread(server: Any) -> Iterator[Any]:
    """``server`` (anything with serve_forever, shutdown and server_close) serving on a daemon
    thread for the block; shut down and closed after it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
