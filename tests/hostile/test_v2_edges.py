"""The Open Inference Protocol's edges: what a hostile request can put in names, ids, lengths
and shapes. Every one is a 4xx in the protocol's own ``{"error": ...}`` shape, with a log line."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest

from core.api.openinference import codec, tensor_data
from core.api.service import Service
from core.messages import Request, Response
from tests import images
from tests.defaultmodel import default_version
from tests.hostile.conftest import MakeService
from tests.logcapture import captured

MODEL = "clothing-mobilenet-v2"
INFER = f"/v2/models/{MODEL}/infer"


def infer(service: Service, raw: bytes, headers: dict[str, str] | None = None) -> Response:
    return service.handle(Request("POST", INFER, headers or {}, body=raw))


def flat_error(response: Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    return str(body["error"])


def good_input(**extra: Any) -> dict[str, Any]:
    import base64

    return {"name": "image", "datatype": "BYTES", "shape": [1],
            "data": [base64.b64encode(images.jpeg()).decode()], **extra}


LONE = ["\\ud800", "\\udcff", "a\\udfffb"]


@pytest.mark.parametrize("surrogate", LONE)
@pytest.mark.parametrize("where", ["input", "output", "id", "datatype"])
def test_lone_surrogates_are_a_400_with_a_log_line(make_service: MakeService, where: str,
                                                   surrogate: str) -> None:
    service = make_service()
    doc = {"inputs": [good_input()]}
    text = json.dumps(doc)
    if where == "input":
        text = text.replace('"name": "image"', f'"name": "{surrogate}"')
    elif where == "output":
        text = text[:-1] + f', "outputs": [{{"name": "{surrogate}"}}]}}'
    elif where == "id":
        text = text[:-1] + f', "id": "{surrogate}"}}'
    else:
        text = text.replace('"datatype": "BYTES"', f'"datatype": "{surrogate}"')
    with captured() as lines:
        response = infer(service, text.encode())
    assert response.status == 400, response.body
    assert "surrogate" in flat_error(response)
    response.body.decode("utf-8")  # the answer itself is valid UTF-8
    assert [line["status"] for line in lines.records() if "status" in line] == [400]


def test_a_surrogate_pair_is_text_like_any_other(make_service: MakeService) -> None:
    """An escaped pair (an emoji) is valid Unicode: the request is answered, not refused."""
    service = make_service()
    text = json.dumps({"id": "x", "inputs": [good_input()]}).replace('"x"', '"\\ud83d\\ude00"')
    response = infer(service, text.encode())
    assert response.status == 200, response.body
    assert response.json()["id"] == "\U0001f600"


@pytest.mark.parametrize("digits", [4300, 4301, 10_000, 100_000])
def test_a_huge_header_length_is_a_400(make_service: MakeService, digits: int) -> None:
    service = make_service()
    response = infer(service, b'{"inputs": []}', {codec.HEADER.lower(): "9" * digits})
    assert response.status == 400
    assert codec.HEADER in flat_error(response)
    assert len(flat_error(response)) < 300


SHAPES = [[0, 2**70], [2**70, 0], [0, 2**63], [0, 2**62, 2**62], [2**64], [0, 2**31, 3],
          [1, 0, 2**40]]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("datatype", ["FP16", "FP32", "UINT8", "INT64", "BOOL", "BYTES"])
def test_an_empty_tensor_with_a_huge_dimension_is_a_400(make_service: MakeService,
                                                        shape: list[int],
                                                        datatype: str) -> None:
    service = make_service()
    json_doc = {"inputs": [{"name": "image", "datatype": datatype, "shape": shape, "data": []}]}
    assert infer(service, json.dumps(json_doc).encode()).status == 400
    binary_doc = {"inputs": [{"name": "image", "datatype": datatype, "shape": shape,
                              "parameters": {"binary_data_size": 0}}]}
    header = json.dumps(binary_doc).encode()
    response = infer(service, header, {codec.HEADER.lower(): str(len(header))})
    assert response.status == 400, response.body
    flat_error(response)


def test_the_image_count_is_checked_before_bytes_are_unpacked(
        make_service: MakeService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A million empty BYTES elements are refused from the shape, before unpacking any."""
    service = make_service()
    count = 1_400_000
    header = json.dumps({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [count],
                                     "parameters": {"binary_data_size": 4 * count}}]}).encode()
    body = header + struct.pack("<I", 0) * count
    unpacked: list[int] = []
    original = tensor_data.unpack_bytes

    def spy(chunk: memoryview, total: int, where: str) -> list[bytes]:
        unpacked.append(total)
        return original(chunk, total, where)

    monkeypatch.setattr(tensor_data, "unpack_bytes", spy)
    response = infer(service, body, {codec.HEADER.lower(): str(len(header))})
    assert response.status == 400, response.body
    assert "1 to 16" in flat_error(response)
    assert unpacked == []


def test_the_version_metadata_still_answers(make_service: MakeService) -> None:
    service = make_service()
    response = service.handle(Request("GET", f"/v2/models/{MODEL}/versions/{default_version()}"))
    assert response.status == 200
