"""The Open Inference Protocol routes through ``Service.handle``: answers, errors and limits."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.api.openinference import codec as oip
from core.api.service import Service
from core.inference.classifier import Classifier
from core.messages import Request, Response
from tests import images
from tests.conftest import make_settings
from tests.defaultmodel import default_version

MODEL = "clothing-mobilenet-v2"
VERSION = default_version()  # the embedded model's manifest version
INFER = f"/v2/models/{MODEL}/infer"


def get(service: Service, path: str, method: str = "GET") -> Response:
    return service.handle(Request(method, path))


def infer(service: Service, doc: dict[str, Any] | bytes, binary: bytes = b"",
          headers: dict[str, str] | None = None, path: str = INFER) -> Response:
    header = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    extra = {oip.HEADER.lower(): str(len(header))} if binary else {}
    return service.handle(Request("POST", path, {**extra, **(headers or {})},
                                  body=header + binary))


def packed(*elements: bytes) -> bytes:
    return b"".join(struct.pack("<I", len(e)) + e for e in elements)


def image_doc(*photos: bytes, **extra: Any) -> dict[str, Any]:
    data = [base64.b64encode(p).decode() for p in photos]
    return {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [len(photos)],
                        "data": data}], **extra}


def binary_doc(size: int, count: int = 1, **extra: Any) -> dict[str, Any]:
    return {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [count],
                        "parameters": {"binary_data_size": size}}], **extra}


def error_of(response: Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    return str(body["error"])


def test_server_and_health_routes(service: Service) -> None:
    meta = get(service, "/v2").json()
    assert meta["name"] == "serverless-classifier" and meta["extensions"] == ["binary_tensor_data"]
    assert get(service, "/v2/health/live").json() == {"live": True}
    assert get(service, "/v2/health/ready").json() == {"ready": True}
    assert get(service, f"/v2/models/{MODEL}/ready").json() == {"name": MODEL, "ready": True}
    assert get(service, f"/v2/models/{MODEL}/versions/{VERSION}/ready").status == 200


@pytest.mark.parametrize("prefix", ["", "/prod", "/api", "/prod/api"])
def test_model_metadata_behind_prefixes(service: Service, classifier: Classifier,
                                        prefix: str) -> None:
    for path in (f"{prefix}/v2/models/{MODEL}", f"{prefix}/v2/models/{MODEL}/versions/{VERSION}"):
        meta = get(service, path).json()
        assert meta["name"] == MODEL and meta["versions"] == [VERSION]
        assert meta["inputs"][1] == {"name": "input", "datatype": "UINT8",
                                     "shape": [-1, 224, 224, 3]}
        assert meta["outputs"][0]["shape"] == [-1, len(classifier.labels)]


@pytest.mark.parametrize(("path", "method", "status"), [
    ("/v2/models/nope", "GET", 404), ("/v2/models/nope/infer", "POST", 404),
    (f"/v2/models/{MODEL}/versions/9/ready", "GET", 404), ("/v2/nothing/here", "GET", 404),
    (INFER, "GET", 405), ("/v2/health/live", "POST", 405), (f"/v2/models/{MODEL}", "PUT", 405),
])
def test_route_errors_are_the_protocols_shape(service: Service, path: str, method: str,
                                              status: int) -> None:
    response = get(service, path, method)
    assert response.status == status
    error_of(response)
    if status == 405:
        assert response.headers["Allow"]


def test_the_lessons_routes_keep_their_error_shape(service: Service) -> None:
    assert get(service, "/predict").json()["error"]["code"] == "method_not_allowed"
    assert get(service, "/prod/predict").json()["error"]["code"] == "method_not_allowed"
    assert get(service, "/nope").json()["error"]["code"] == "not_found"


def test_infer_json_and_binary_agree_with_predict(service: Service,
                                                  classifier: Classifier) -> None:
    photos = [images.jpeg(seed=1), images.png_rgba()]
    text = infer(service, image_doc(*photos, id="a"))
    assert text.status == 200 and text.headers["Content-Type"] == "application/json"
    answer = text.json()
    assert answer["id"] == "a" and answer["model_version"] == VERSION
    scores, label = answer["outputs"]
    assert (scores["name"], scores["shape"], label["name"]) == ("scores", [2, 10], "label")
    data = packed(*photos)
    raw = infer(service, binary_doc(len(data), 2, parameters={"binary_data_output": True}),
                data)
    assert raw.headers["Content-Type"] == "application/octet-stream"
    length = int(raw.headers[oip.HEADER])
    head = json.loads(raw.body[:length])
    assert "id" not in head
    size = head["outputs"][0]["parameters"]["binary_data_size"]
    values = np.frombuffer(raw.body[length:length + size], "<f4")
    np.testing.assert_array_equal(values, np.array(scores["data"], np.float32))
    for row, photo in zip(values.reshape(2, -1), photos, strict=True):
        direct = service.handle(Request("POST", "/predict", {"content-type": "image/png"},
                                        body=photo)).json()
        np.testing.assert_allclose(row, [direct[k] for k in classifier.labels], atol=1e-6)
    assert label["data"] == [classifier.labels[int(np.argmax(r))] for r in values.reshape(2, -1)]


def test_requested_outputs_order_and_binary_flags(service: Service) -> None:
    doc = image_doc(images.jpeg(), parameters={"binary_data_output": True},
                    outputs=[{"name": "label", "parameters": {"binary_data": False}},
                             {"name": "scores"}])
    response = infer(service, doc)
    length = int(response.headers[oip.HEADER])
    head = json.loads(response.body[:length])
    assert [o["name"] for o in head["outputs"]] == ["label", "scores"]
    assert "data" in head["outputs"][0] and "data" not in head["outputs"][1]
    assert len(response.body) - length == head["outputs"][1]["parameters"]["binary_data_size"]
    only = infer(service, image_doc(images.jpeg(), outputs=[{"name": "label",
                                                             "parameters": {"binary_data": True}}]))
    length = int(only.headers[oip.HEADER])
    assert only.body[length:length + 4] == struct.pack("<I", len(only.body) - length - 4)


def test_preprocessed_tensor_json_equals_binary(service: Service) -> None:
    tensor = np.random.default_rng(1).integers(0, 256, (1, 224, 224, 3), dtype=np.uint8)
    spec = {"name": "input", "datatype": "UINT8", "shape": [1, 224, 224, 3]}
    text = infer(service, {"inputs": [{**spec, "data": tensor.tolist()}]})
    raw = infer(service, {"inputs": [{**spec, "parameters": {"binary_data_size": tensor.size}}]},
                tensor.tobytes())
    assert text.status == raw.status == 200
    assert text.json()["outputs"] == raw.json()["outputs"]
    flat = infer(service, {"inputs": [{**spec, "data": tensor.ravel().tolist()}]})
    assert flat.json()["outputs"] == text.json()["outputs"]


def test_image_shape_n_by_1_is_accepted(service: Service) -> None:
    doc = image_doc(images.jpeg())
    doc["inputs"][0]["shape"] = [1, 1]
    assert infer(service, doc).status == 200


PHOTO = images.jpeg()
ENCODED = base64.b64encode(PHOTO).decode()
GOOD: dict[str, Any] = {"name": "image", "datatype": "BYTES", "shape": [1], "data": [ENCODED]}
TENSOR = {"name": "input", "datatype": "UINT8", "shape": [1, 224, 224, 3]}
MALFORMED: dict[str, tuple[bytes | dict[str, Any], bytes, dict[str, str]]] = {
    "empty": (b"", b"", {}),
    "not-json": (b"{inputs", b"", {}),
    "not-object": (b"[]", b"", {}),
    "no-inputs": ({"outputs": []}, b"", {}),
    "inputs-not-list": ({"inputs": {"name": "image"}}, b"", {}),
    "input-no-name": ({"inputs": [{**GOOD, "name": 3}]}, b"", {}),
    "unknown-datatype": ({"inputs": [{**GOOD, "datatype": "STRING"}]}, b"", {}),
    "negative-shape": ({"inputs": [{**GOOD, "shape": [-1]}]}, b"", {}),
    "bool-shape": ({"inputs": [{**GOOD, "shape": [True]}]}, b"", {}),
    "no-data": ({"inputs": [{k: v for k, v in GOOD.items() if k != "data"}]}, b"", {}),
    "two-inputs": ({"inputs": [GOOD, GOOD]}, b"", {}),
    "unknown-input": ({"inputs": [{**GOOD, "name": "photo"}]}, b"", {}),
    "image-as-fp32": ({"inputs": [{**GOOD, "datatype": "FP32", "data": [1.0]}]}, b"", {}),
    "count-mismatch": ({"inputs": [{**GOOD, "shape": [2]}]}, b"", {}),
    "zero-images": ({"inputs": [{**GOOD, "shape": [0], "data": []}]}, b"", {}),
    "too-many-images": ({"inputs": [{**GOOD, "shape": [17], "data": [ENCODED] * 17}]},
                        b"", {}),
    "bad-base64": ({"inputs": [{**GOOD, "data": ["***"]}]}, b"", {}),
    "data-not-strings": ({"inputs": [{**GOOD, "data": [1]}]}, b"", {}),
    "id-not-string": ({"id": 7, "inputs": [GOOD]}, b"", {}),
    "unknown-output": ({"inputs": [GOOD], "outputs": [{"name": "probs"}]}, b"", {}),
    "duplicate-output": ({"inputs": [GOOD], "outputs": [{"name": "label"}] * 2}, b"", {}),
    "binary-flag-not-bool": ({"inputs": [GOOD], "parameters": {"binary_data_output": 1}},
                             b"", {}),
    "params-not-object": ({"inputs": [{**GOOD, "parameters": []}]}, b"", {}),
    "header-length-text": (json.dumps({"inputs": [GOOD]}).encode(), b"",
                           {"inference-header-content-length": "ten"}),
    "header-length-too-big": (json.dumps({"inputs": [GOOD]}).encode(), b"",
                              {"inference-header-content-length": "99999"}),
    "size-past-data": (binary_doc(100), packed(PHOTO)[:50], {}),
    "size-short-of-data": (binary_doc(4), packed(PHOTO), {}),
    "prefix-runs-past": (binary_doc(8), struct.pack("<I", 999) + b"abcd", {}),
    "cut-prefix": (binary_doc(len(packed(PHOTO)) + 2), packed(PHOTO) + b"\x01\x00", {}),
    "data-and-binary": ({"inputs": [{**GOOD, "parameters": {"binary_data_size": 4}}]},
                        packed(b""), {}),
    "tensor-wrong-type": ({"inputs": [{**TENSOR, "datatype": "FP32", "data": [0.0]}]}, b"", {}),
    "tensor-wrong-shape": ({"inputs": [{**TENSOR, "shape": [1, 2, 2, 3], "data": [0] * 12}]},
                           b"", {}),
    "tensor-out-of-range": ({"inputs": [{**TENSOR, "data": [300] * 150528}]}, b"", {}),
    "tensor-strings": ({"inputs": [{**TENSOR, "data": ["a"] * 150528}]}, b"", {}),
    "tensor-ragged": ({"inputs": [{**TENSOR, "data": [[1, 2], [3]]}]}, b"", {}),
    "tensor-binary-size": ({"inputs": [{**TENSOR, "parameters": {"binary_data_size": 10}}]},
                           bytes(10), {}),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_requests_are_400(service: Service, case: str) -> None:
    doc, binary, headers = MALFORMED[case]
    response = infer(service, doc, binary, headers)
    assert response.status == 400, (case, response.body[:300])
    assert error_of(response)


@pytest.mark.parametrize(("photo", "status"), [
    (b"GIF89a garbage", 422), (b"%PDF-1.7 not an image", 415), (images.jpeg()[:200], 422),
])
def test_bad_images_are_4xx(service: Service, photo: bytes, status: int) -> None:
    for response in (infer(service, image_doc(photo)),
                     infer(service, binary_doc(len(packed(photo))), packed(photo))):
        assert response.status == status
        error_of(response)


def test_same_limits_as_predict(classifier: Classifier) -> None:
    small = Service(make_settings(max_batch=2, max_body_bytes=64 * 1024, max_image_pixels=1000),
                    classifier=classifier)
    photo = images.jpeg(30, 30)
    too_many = infer(small, image_doc(photo, photo, photo))
    assert too_many.status == 400 and "1 to 2" in error_of(too_many)
    pixels = infer(small, image_doc(images.jpeg(64, 64)))
    assert pixels.status == 413 and error_of(pixels)
    body = infer(small, image_doc(bytes(70 * 1024)))
    assert body.status == 413 and error_of(body)
    gzip = infer(small, image_doc(photo), headers={"content-encoding": "gzip"})
    assert gzip.status == 415 and error_of(gzip)
    assert infer(small, image_doc(photo, photo)).status == 200


def test_oversized_body_refused_by_an_adapter_has_the_protocols_shape(service: Service) -> None:
    from core.errors import PayloadTooLarge

    response = service.reject(Request("POST", INFER), PayloadTooLarge("too large"))
    assert response.status == 413 and error_of(response) == "too large"


scalars = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.floats()
           | st.text(max_size=8))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=4), max_leaves=20)
tensors = st.fixed_dictionaries({
    "name": st.sampled_from(["image", "input", "x"]),
    "datatype": st.sampled_from(["BYTES", "UINT8", "FP32", "BOOL", "INT64", "??"]),
    "shape": st.lists(st.integers(-1, 4), max_size=5)},
    optional={"data": json_values, "parameters": st.dictionaries(
        st.sampled_from(["binary_data_size", "binary_data"]), json_values, max_size=2)})
requests = st.fixed_dictionaries({}, optional={
    "id": json_values, "inputs": st.lists(tensors, max_size=3) | json_values,
    "outputs": st.lists(st.dictionaries(st.sampled_from(["name", "parameters"]), json_values),
                        max_size=3),
    "parameters": st.dictionaries(st.sampled_from(["binary_data_output"]), json_values)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(doc=requests, binary=st.binary(max_size=64), declare=st.booleans())
# A numeric scalar under the image input's name: no length to count images by.
@example(doc={"inputs": [{"name": "image", "datatype": "UINT8", "shape": [], "data": 0}]},
         binary=b"", declare=False)
def test_no_request_makes_a_5xx(service: Service, doc: dict[str, Any], binary: bytes,
                                declare: bool) -> None:
    header = json.dumps(doc).encode()
    response = infer(service, header, binary if declare else b"")
    assert response.status < 500, response.body[:300]
    if response.status != 200:
        error_of(response)
