"""One request's images together decode at most MAX_REQUEST_PIXELS, counted before each decode:
a batch of decompression bombs costs one allowance of CPU, not sixteen."""

from __future__ import annotations

import base64
import json

import pytest
from PIL import Image

import core.images.decode
import core.images.limits
from core.messages import Request
from tests import images
from tests.hostile.conftest import MakeService, error_of

INFER = "/v2/models/clothing-mobilenet-v2/infer"


def bomb(side: int = 2000) -> bytes:
    """A few hundred bytes that decode to side x side RGBA pixels (lossless WebP)."""
    return images.encode(Image.new("RGBA", (side, side), (9, 8, 7, 255)), "WEBP", lossless=True)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The decodes that started (their estimated cost), in order."""
    started: list[int] = []
    original = core.images.limits.decode_cost

    def spy(*args: object) -> int:
        cost = original(*args)  # type: ignore[arg-type]
        started.append(cost)
        return cost

    monkeypatch.setattr(core.images.decode, "decode_cost", spy)
    return started


def v2(photos: list[bytes]) -> bytes:
    data = [base64.b64encode(p).decode() for p in photos]
    return json.dumps({"inputs": [{"name": "image", "datatype": "BYTES",
                                   "shape": [len(photos)], "data": data}]}).encode()


def test_a_v2_batch_of_bombs_stops_at_the_allowance(make_service: MakeService,
                                                    decodes: list[int]) -> None:
    service = make_service(max_request_pixels=9_000_000)  # two 2000x2000 images
    assert len(bomb()) < 2000
    response = service.handle(Request("POST", INFER, body=v2([bomb()] * 16)))
    assert response.status == 413
    assert response.json()["error"].startswith("the request's images decode to more than")
    assert len(decodes) == 2


def test_a_predict_batch_of_bomb_urls_stops_at_the_allowance(make_service: MakeService,
                                                             decodes: list[int],
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    service = make_service(max_request_pixels=9_000_000, allow_private_urls=True)
    monkeypatch.setattr(type(service.pipeline.fetcher), "fetch",
                        lambda self, url, deadline=None, started=None: bomb())
    urls = [f"http://127.0.0.1:9/{n}.webp" for n in range(6)]
    response = service.handle(Request("POST", "/predict", {"content-type": "application/json"},
                                      body=json.dumps({"urls": urls}).encode()))
    assert response.status == 200
    answers = response.json()
    assert [("error" in a) for a in answers] == [False, False, True, True, True, True]
    assert {a["error"]["code"] for a in answers[2:]} == {"request_too_large"}
    assert len(decodes) == 2


def test_drafted_jpegs_count_at_their_decoded_size(make_service: MakeService,
                                                   decodes: list[int]) -> None:
    """Sixteen 12 MP JPEGs decode at 1/8 scale: far under an allowance of 4 MP."""
    service = make_service(max_request_pixels=4_000_000, max_body_bytes=64 << 20)
    photo = images.jpeg(4000, 3000, quality=20)
    response = service.handle(Request("POST", INFER, body=v2([photo] * 16)))
    assert response.status == 200, response.body
    assert len(decodes) == 16


def test_the_error_is_in_the_errors_table(make_service: MakeService) -> None:
    service = make_service(max_request_pixels=1_000_000)
    body = json.dumps({"image": base64.b64encode(bomb()).decode()}).encode()
    response = service.handle(Request("POST", "/predict", {"content-type": "application/json"},
                                      body=body))
    assert error_of(response) == (413, "request_too_large")
