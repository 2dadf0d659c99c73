"""The errors table of docs/api.md, row by row: each (status, code) has a request that gets it.

The table ("What triggers each error") is read from docs/api.md, so a row added there without
a case here (or a case whose row was dropped) fails. Runs in the network jail: image hosts are
real servers on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core import errors
from core.api.service import Service
from core.inference.classifier import Classifier
from core.inference.litert import TFLiteClassifier
from core.messages import Request, Response
from tests import images
from tests.hostile import servers
from tests.hostile.conftest import MakeService, call, error_of, strict_settings
from tests.hostile.test_bombs import scan_flood

API_PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
Case = Callable[[MakeService], Response]


def table_rows() -> set[tuple[int, str]]:
    """(status, code) of every row of the errors table (a row may name two codes)."""
    text = API_PAGE.read_text(encoding="utf-8")
    section = text.split("### What triggers each error", 1)[1].split("\n#", 1)[0]
    rows = set()
    for line in section.splitlines():
        match = re.match(r"\| (\d{3}) \| (.+?) \|", line)
        if match:
            rows |= {(int(match[1]), code) for code in re.findall(r"`(\w+)`", match[2])}
    return rows


@contextmanager
def host(behaviour: servers.Behaviour) -> Iterator[servers.HostileServer]:
    with servers.serving(behaviour) as server:
        yield server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local(make: MakeService, **overrides: Any) -> Service:
    return make(url_allowlist=("127.0.0.1/32",), allow_private_urls=True, **overrides)


def fetch_status(make: MakeService) -> Response:
    with host(servers.body(b"gone", "404 Not Found", Content_Length=4)) as server:
        return call(local(make), {"url": server.url()})


def fetch_timeout(make: MakeService) -> Response:
    with host(servers.stall(3)) as server:
        return call(local(make, fetch_read_timeout=0.3, fetch_deadline=1.0),
                    {"url": server.url()})


def bad_content_length(make: MakeService) -> Response:
    """Through the WSGI front end, which reads the body: a Content-Length that is no number."""
    from io import BytesIO

    from core.api.wsgi import make_app

    started: list[int] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/predict", "CONTENT_LENGTH": "ten",
               "CONTENT_TYPE": "image/jpeg", "wsgi.input": BytesIO(b"x")}
    body = b"".join(make_app(make())(
        environ, lambda status, headers: started.append(int(status.split()[0]))))
    return Response(started[0], body)


def decode_busy(make: MakeService) -> Response:
    """A large PNG while the decode budget is held and two large decodes already wait."""
    service = make()
    budget = service.pipeline._budget
    held = budget.reserve(budget.total - budget.reserved - (1 << 20))
    held.__enter__()
    waiters = [threading.Thread(target=_wait_large, args=(budget,)) for _ in range(2)]
    try:
        for waiter in waiters:
            waiter.start()
        while len(budget._queues[False]) < 2:
            time.sleep(0.01)
        rgba = images.encode(Image.new("RGBA", (3000, 3000), (1, 2, 3, 4)), "PNG")
        return call(service, rgba, "image/png")
    finally:
        held.__exit__(None, None, None)
        for waiter in waiters:
            waiter.join(10)


def _wait_large(budget: Any) -> None:
    with budget.reserve(budget.reserved * 2, time.monotonic() + 10):
        pass


def past_deadline(make: MakeService) -> Response:
    request = Request("POST", "/predict", {"content-type": "image/jpeg"}, {}, images.jpeg(),
                      deadline=time.monotonic() - 1)
    return make().handle(request)


class FailingInterpreter:
    """Wraps the real interpreter; invoke fails. A stand-in: no real model fails on demand."""

    def __init__(self, real: Any, error: Exception) -> None:
        self._real, self._error = real, error

    def invoke(self) -> None:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def faulty(classifier: Classifier, error: Exception) -> Service:
    assert isinstance(classifier, TFLiteClassifier)
    broken = TFLiteClassifier(FailingInterpreter(classifier._interpreter, error),
                              classifier.runtime, classifier.manifest, classifier.model_path)
    return Service(strict_settings(), classifier=broken)


CASES: dict[tuple[int, str], Case] = {
    (400, "invalid_json"): lambda make: call(make(), b"{not json"),
    (400, "invalid_field"): lambda make: call(make(), {"picture": "x"}),
    (400, "url_not_allowed"): lambda make: call(make(), {"url": "ftp://example.com/a.jpg"}),
    (401, "unauthorized"): lambda make: call(make(api_keys_sha256=("0" * 64,)), b"",
                                             method="GET", path="/model"),
    (404, "not_found"): lambda make: call(make(), b"", method="GET", path="/nowhere"),
    (405, "method_not_allowed"): lambda make: call(make(), b"", method="GET"),
    (413, "payload_too_large"): lambda make: call(make(max_body_bytes=1000), images.jpeg(),
                                                  "image/jpeg"),
    (413, "image_too_large"): lambda make: call(make(max_image_pixels=1000), images.jpeg(),
                                                "image/jpeg"),
    (413, "request_too_large"): lambda make: call(make(max_request_pixels=1000), images.jpeg(),
                                                  "image/jpeg"),
    (429, "decode_busy"): decode_busy,
    (415, "unsupported_media_type"): lambda make: call(make(), b"a,b\n", "text/csv"),
    (415, "unsupported_image_format"): lambda make: call(make(), b"%PDF-1.4\n%\xe2\xe3\n",
                                                         "application/octet-stream"),
    (422, "invalid_image"): lambda make: call(make(), b"not an image at all", "image/jpeg"),
    (422, "image_too_complex"): lambda make: call(make(), scan_flood(64, 200), "image/jpeg"),
    (422, "url_unreachable"): lambda make: call(
        local(make), {"url": f"http://127.0.0.1:{closed_port()}/a.jpg"}),
    (400, "bad_request"): bad_content_length,
    (422, "url_status"): fetch_status,
    (422, "url_timeout"): fetch_timeout,
    (504, "deadline_exceeded"): past_deadline,
}
FAULTS = {(500, "internal_error"): ZeroDivisionError("a bug"),
          (500, "model_error"): RuntimeError("interpreter fault")}
# Raised only when classifying stored objects, never by a request: tests/core/jobs has a case
# for each on the real store servers.
STORED = {(403, "storage_forbidden"), (404, "object_not_found"), (503, "storage_unavailable")}


def test_every_row_of_the_table_has_a_case() -> None:
    assert table_rows() == set(CASES) | set(FAULTS) | STORED


@pytest.mark.parametrize("row", sorted(CASES))
def test_row(make_service: MakeService, row: tuple[int, str]) -> None:
    assert error_of(CASES[row](make_service)) == row


@pytest.mark.parametrize("row", sorted(FAULTS))
def test_fault_rows(classifier: Classifier, row: tuple[int, str]) -> None:
    response = call(faulty(classifier, FAULTS[row]), images.jpeg(), "image/jpeg")
    assert error_of(response) == row
    assert "a bug" not in response.body.decode() and "fault" not in response.body.decode()


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", None), ("application/vnd.api+json", None), ("text/plain", None),
    ("", None), ("application/x-www-form-urlencoded", None),
    ("image/jpeg", images.jpeg()), ("application/octet-stream", images.jpeg()),
])
def test_the_content_types_the_415_row_names_are_read(
        strict: Service, content_type: str, body: bytes | None) -> None:
    raw = body or json.dumps({"image": base64.b64encode(images.jpeg()).decode()}).encode()
    response = strict.handle(Request("POST", "/predict",
                                     {"content-type": content_type} if content_type else {},
                                     {}, raw))
    assert response.status == 200, (content_type, response.body)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/html",
                                          "application/xml", "video/mp4"])
def test_other_content_types_get_415(strict: Service, content_type: str) -> None:
    response = call(strict, b"a=1&b=2", content_type)
    assert error_of(response) == (415, "unsupported_media_type")


def _sent_classes() -> set[type[errors.ServiceError]]:
    return {cls for cls in vars(errors).values() if isinstance(cls, type)
            and issubclass(cls, errors.ServiceError) and cls.__dict__.get("sent", True)}


def test_no_error_code_is_missing_from_the_table() -> None:
    assert {cls.code for cls in _sent_classes()} == {code for _, code in table_rows()}


def test_the_generated_table_has_exactly_the_codes_sent() -> None:
    page = API_PAGE.read_text(encoding="utf-8")
    generated = page.split("<!-- gen:errors:start -->")[1].split("<!-- gen:errors:end -->")[0]
    codes = set(re.findall(r"^\| \d{3} \| `(\w+)` \|", generated, re.M))
    assert codes == {cls.code for cls in _sent_classes()}
    assert not {"unprocessable", "fetch_failed"} & codes


def test_a_class_marked_unsent_is_never_raised_itself() -> None:
    unsent = {cls.__name__ for cls in vars(errors).values() if isinstance(cls, type)
              and issubclass(cls, errors.ServiceError) and cls.__dict__.get("sent") is False}
    assert unsent == {"Unprocessable", "FetchFailed", "StorageError"}
    root = API_PAGE.parents[1]
    for path in [*root.glob("core/**/*.py"), *root.glob("*_function/*.py"),
                 *root.glob("aws_lambda/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        for name in unsent:
            assert not re.search(rf"(?<!class )\b{name}\(", text), (path, name)
