"""The local server (waitress in front of core.api.wsgi) against raw-socket protocol abuse."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from core.api.server import IDENT, make_server
from core.api.service import Service
from core.api.wsgi import make_app
from tests import images
from tests.hostile.conftest import MakeService, assert_no_leak

GOOD = json.dumps({"image": __import__("base64").b64encode(images.jpeg()).decode()}).encode()


class Counting:
    """Counts the model's invocations of a service's classifier."""

    def __init__(self, service: Service) -> None:
        self.calls = 0
        classifier = service.pipeline.classifier
        original = classifier.predict

        def predict(batch: np.ndarray, preprocessed: bool = False) -> np.ndarray:
            self.calls += 1  # the classifier may be the session's shared one: same signature
            return original(batch, preprocessed)
        classifier.predict = predict  # type: ignore[method-assign,assignment]


@pytest.fixture
def served(make_service: MakeService) -> Iterator[tuple[int, Service]]:
    service = make_service(server_timeout=1.0, server_head_timeout=1.0, server_connections=4,
                           server_threads=2)
    server = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], service
    server.shutdown()
    server.server_close()


def exchange(port: int, raw: bytes, wait: float = 10.0) -> bytes:
    """Send ``raw``, half-close, and read until the server closes (or ``wait`` passes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Every response in ``data`` (Content-Length framed)."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((int(lines[0].split()[1]), headers, rest[:length]))
        data = rest[length:]
    return found


def request(method: str, body: bytes = b"", path: str = "/predict", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: x"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def json_error(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, str]:
    status, headers, body = answer
    assert headers["content-type"] == "application/json", headers
    assert_no_leak(body)
    return status, json.loads(body)["error"]["code"]


def test_a_chunked_body_is_decoded_not_parsed_as_a_second_request(served: tuple[int, Service]
                                                                   ) -> None:
    port, _ = served
    chunks = f"{len(GOOD):x}\r\n".encode() + GOOD + b"\r\n0\r\n\r\n"
    smuggled = request("GET", path="/nope")
    raw = request("POST", chunks + smuggled, Content_Type="application/json",
                  Transfer_Encoding="chunked")
    found = responses(exchange(port, raw))
    assert [status for status, _, _ in found] == [200, 404]


@pytest.mark.parametrize(("raw", "status", "code"), [
    (request("POST", b"3\r\nabc\r\n0\r\n\r\n", Content_Type="application/json",
             Transfer_Encoding="chunked", Content_Length="3"), 400, "bad_request"),
    (request("POST", b"{}", Content_Type="application/json", Content_Length="2\r\n"
             "Content-Length: 2"), 400, "bad_request"),
    (request("POST", b"{}", Content_Type="application/json", Content_Length="\u00b2"),
     400, "bad_request"),
    (request("POST", b"{}", Content_Type="application/json", Content_Length="9" * 5000),
     400, "bad_request"),
    (request("POST", b"{}", Content_Type="application/json", Content_Length="9" * 20),
     413, "payload_too_large"),
    (request("POST", b"x", Transfer_Encoding="gzip"), 501, "not_implemented"),
    (request("POST", b"x", Transfer_Encoding="gzip, chunked"), 501, "not_implemented"),
    (b"GARBAGE\r\n\r\n", 400, "bad_request"),
])
def test_protocol_errors_are_json_and_close(served: tuple[int, Service], raw: bytes,
                                            status: int, code: str) -> None:
    found = responses(exchange(served[0], raw + request("GET", path="/nope")))
    assert len(found) == 1, found  # nothing after a protocol error is read as a request
    assert json_error(found[0]) == (status, code)


def test_an_endless_head_is_431_json(served: tuple[int, Service]) -> None:
    raw = b"GET /" + b"a" * (64 * 1024 - 5)  # exactly the limit: nothing left unread
    assert json_error(responses(exchange(served[0], raw))[0]) == (431, "headers_too_large")


@pytest.mark.parametrize("method", ["HEAD", "TRACE", "FOO", "DELETE", "CONNECT"])
def test_other_methods_are_405_json(served: tuple[int, Service], method: str) -> None:
    status, headers, body = responses(exchange(served[0], request(method, path="/predict")))[0]
    assert status == 405
    if method != "HEAD":
        assert json_error((status, headers, body)) == (405, "method_not_allowed")


def test_server_header_names_no_version_and_nagle_is_off(served: tuple[int, Service],
                                                         make_service: MakeService) -> None:
    _, headers, _ = responses(exchange(served[0], request("GET", path="/nope")))[0]
    assert headers["server"] == IDENT
    server = make_server(make_service(), "127.0.0.1", 0)
    try:
        assert (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) in server.adjustments.socket_options
    finally:
        server.server_close()


def closed_by_server(sock: socket.socket, until: float) -> bool:
    """Drip one header byte every 0.2 s until the server closes the connection or ``until``."""
    sock.settimeout(0.2)
    while time.monotonic() < until:
        try:
            sock.sendall(b"a")  # dripping does not keep a request head alive
            if sock.recv(1) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_slow_and_idle_connections_are_closed_and_capped(served: tuple[int, Service]) -> None:
    """SERVER_TIMEOUT=1 s and 4 connections: slowloris heads hold the cap only until reaped."""
    port, _ = served
    until = time.monotonic() + 8
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(6)]
    idle = socket.create_connection(("127.0.0.1", port), timeout=10)
    for sock in slow:
        sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    closed = [closed_by_server(sock, until) for sock in slow]
    for sock in slow:
        sock.close()
    assert closed == [True] * 6
    idle.settimeout(8)
    assert idle.recv(1) == b""  # an idle connection is closed too
    idle.close()
    assert responses(exchange(port, request("GET", path="/nope")))[0][0] == 404


def test_a_truncated_body_never_reaches_the_model(served: tuple[int, Service]) -> None:
    port, service = served
    counting = Counting(service)
    raw = request("POST", GOOD[: len(GOOD) // 2], Content_Type="application/json",
                  Content_Length=str(len(GOOD)))
    assert exchange(port, raw) == b""  # the client went away: no request, no answer
    assert responses(exchange(port, request("POST", GOOD, Content_Type="application/json",
                                            Content_Length=str(len(GOOD)))))[0][0] == 200
    assert counting.calls == 1


def test_a_truncated_body_under_any_wsgi_server_is_400(strict: Service) -> None:
    """What gunicorn hands the app when the client disconnects: a short wsgi.input."""
    counting = Counting(strict)
    started: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/predict", "QUERY_STRING": "",
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(GOOD)),
               "wsgi.input": io.BytesIO(GOOD[:100])}
    body = b"".join(make_app(strict)(environ, lambda status, headers: started.append(status)))
    assert started == ["400 Bad Request"]
    assert json.loads(body)["error"]["code"] == "bad_request"
    assert counting.calls == 0
