"""One API on every front end: the same requests through the local server, Lambda, GCP and
Azure (``tests/frontends.py``), the same answers.

Every leg runs on one shared Service (the committed model, private URLs allowed, a 256 KiB body
limit) injected into each adapter's module-level service variable.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
from pytest_httpserver import HTTPServer

from core.api.openinference import codec as oip
from core.api.service import Service
from core.inference.classifier import Classifier
from tests import images
from tests.conftest import make_settings
from tests.core.test_service import multipart
from tests.frontends import JSON, Call, Leg, front_ends

LIMIT = 256 * 1024


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()


def form_body() -> tuple[bytes, str]:
    return multipart({"file": ("photo.jpg", images.jpeg())})


# id -> (the call, built from the image server's base URL; expected status; expected error code)
CASES: dict[str, tuple[Callable[[str], Call], int, str | None]] = {
    "url": (lambda u: Call("POST", "/predict", as_json({"url": f"{u}/img/photo.jpg"}), JSON),
            200, None),
    "base64": (lambda u: Call("POST", "/predict", as_json(
        {"image": base64.b64encode(images.jpeg()).decode(), "top_k": 3}), JSON), 200, None),
    "raw-jpeg": (lambda u: Call("POST", "/predict", images.jpeg(), "image/jpeg",
                                {"top_k": "2"}), 200, None),
    "multipart": (lambda u: Call("POST", "/predict", *form_body()), 200, None),
    "urls-batch": (lambda u: Call("POST", "/predict", as_json(
        {"urls": [f"{u}/img/photo.jpg", f"{u}/missing", f"{u}/img/alpha.png"]}), JSON),
        200, None),
    "health": (lambda u: Call("GET", "/health"), 200, None),
    "model": (lambda u: Call("GET", "/model"), 200, None),
    "bad-json": (lambda u: Call("POST", "/predict", b"{not json", JSON), 400, "invalid_json"),
    "missing-field": (lambda u: Call("POST", "/predict", b'{"nothing": 1}', JSON), 400,
                      "invalid_field"),
    "wrong-type": (lambda u: Call("POST", "/predict", b'{"url": 5}', JSON), 400,
                   "invalid_field"),
    "unknown-route": (lambda u: Call("GET", "/nope"), 404, "not_found"),
    "wrong-method": (lambda u: Call("GET", "/predict"), 405, "method_not_allowed"),
    "too-large": (lambda u: Call("POST", "/predict", b"\xff" * (LIMIT + 1), "image/jpeg"), 413,
                  "payload_too_large"),
    "health-too-large": (lambda u: Call("GET", "/health", b"x" * (LIMIT + 1)), 413,
                         "payload_too_large"),
    "unknown-route-too-large": (lambda u: Call("POST", "/nope", b"x" * (LIMIT + 1)), 413,
                                "payload_too_large"),
    "bad-base64-image": (lambda u: Call("POST", "/predict", b'{"image": "not base64!"}', JSON),
                         400, "invalid_field"),
    "unsupported-media": (lambda u: Call("POST", "/predict", b"<xml/>", "application/xml"), 415,
                          "unsupported_media_type"),
    "undecodable-image": (lambda u: Call("POST", "/predict", b"GIF89a garbage", "image/gif"),
                          422, "invalid_image"),
    "unreachable-url": (lambda u: Call("POST", "/predict", b'{"url": "http://127.0.0.1:9/x"}',
                                       JSON), 422, "url_unreachable"),
}


@pytest.fixture(scope="module")
def legs(classifier: Classifier) -> Iterator[dict[str, Leg]]:
    service = Service(make_settings(max_body_bytes=LIMIT), classifier=classifier)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ALLOW_PRIVATE_URLS", "true")  # set before any adapter is imported
        patch.setenv("MAX_BODY_BYTES", str(LIMIT))
        with front_ends(service, patch) as legs:
            yield legs


@pytest.mark.parametrize("case", list(CASES))
def test_every_platform_answers_alike(case: str, legs: dict[str, Leg],
                                      image_server: HTTPServer) -> None:
    build, status, code = CASES[case]
    call = build(image_server.url_for("").rstrip("/"))
    answers = {name: leg(call) for name, leg in legs.items()}
    reference = answers["gcp"]
    for name, answer in answers.items():
        assert answer.status == status, (name, answer.body[:300])
        assert answer.content_type == "application/json", name
        assert answer.body == reference.body, name
        assert answer.allow == reference.allow, name
    body = json.loads(reference.body)
    if code is not None:
        assert body["error"]["code"] == code
    if case == "wrong-method":
        assert reference.allow == "POST"


INFER = "/v2/models/clothing-mobilenet-v2/infer"


def v2_binary() -> Call:
    """Two images as binary data (Triton's extension); scores binary, label as JSON."""
    photos = [images.jpeg(), images.png_rgba()]
    data = b"".join(struct.pack("<I", len(p)) + p for p in photos)
    header = as_json({"id": "bin", "inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [2],
         "parameters": {"binary_data_size": len(data)}}],
        "outputs": [{"name": "scores", "parameters": {"binary_data": True}},
                    {"name": "label"}]})
    return Call("POST", INFER, header + data, "application/octet-stream",
                headers={oip.HEADER: str(len(header))})


def v2_json() -> Call:
    """The same two images as base64 strings in plain JSON."""
    photos = [base64.b64encode(p).decode() for p in (images.jpeg(), images.png_rgba())]
    return Call("POST", INFER, as_json({"id": "json", "inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [2], "data": photos}]}), JSON)


V2_CASES: dict[str, tuple[Callable[[], Call], int]] = {
    "v2-binary": (v2_binary, 200),
    "v2-json": (v2_json, 200),
    "v2-metadata": (lambda: Call("GET", "/v2/models/clothing-mobilenet-v2"), 200),
    "v2-unknown-model": (lambda: Call("GET", "/v2/models/nope/ready"), 404),
    "v2-malformed": (lambda: Call("POST", INFER, b'{"inputs": 3}', JSON), 400),
    "v2-too-large": (lambda: Call("POST", INFER, b" " * (LIMIT + 1), JSON), 413),
    "v2-live-too-large": (lambda: Call("GET", "/v2/health/live", b"x" * (LIMIT + 1)), 413),
    "v2-bad-base64": (lambda: Call("POST", INFER, as_json({"inputs": [
        {"name": "image", "datatype": "BYTES", "shape": [1], "data": ["not base64!"]}]}), JSON),
        400),
}


@pytest.mark.parametrize("case", list(V2_CASES))
def test_open_inference_protocol_alike(case: str, legs: dict[str, Leg]) -> None:
    build, status = V2_CASES[case]
    answers = {name: leg(build()) for name, leg in legs.items()}
    reference = answers["gcp"]
    for name, answer in answers.items():
        assert answer.status == status, (name, answer.body[:300])
        assert (answer.body, answer.content_type, answer.header_length) == (
            reference.body, reference.content_type, reference.header_length), name
    if status != 200:
        assert set(json.loads(reference.body)) == {"error"}
        assert isinstance(json.loads(reference.body)["error"], str)


def test_binary_and_json_infer_agree(legs: dict[str, Leg]) -> None:
    """The binary answer's scores decode to the JSON answer's, on every platform."""
    for name, leg in legs.items():
        binary, text = leg(v2_binary()), leg(v2_json())
        assert binary.content_type == "application/octet-stream", name
        assert binary.header_length is not None, name
        length = int(binary.header_length)
        head = json.loads(binary.body[:length])
        scores = np.frombuffer(binary.body[length:], dtype="<f4").reshape(2, -1)
        outputs = {o["name"]: o for o in json.loads(text.body)["outputs"]}
        assert head["id"] == "bin" and json.loads(text.body)["id"] == "json"
        assert head["outputs"][0]["parameters"]["binary_data_size"] == scores.nbytes
        np.testing.assert_array_equal(scores.ravel(),
                                      np.array(outputs["scores"]["data"], dtype=np.float32))
        assert head["outputs"][1]["data"] == outputs["label"]["data"]


@pytest.mark.parametrize("name", ["50%", "a%41b", "a b", "caf\u00e9"])
def test_a_model_name_is_percent_decoded_once(name: str, classifier: Classifier) -> None:
    """``/v2/models/{name}`` with the name percent-encoded once, as clients send it."""
    renamed = copy.copy(classifier)
    renamed.manifest = replace(classifier.manifest, name=name)
    service = Service(make_settings(), classifier=renamed)
    call = Call("GET", f"/v2/models/{quote(name, safe='')}/ready")
    with pytest.MonkeyPatch.context() as patch, front_ends(service, patch) as legs:
        answers = {leg_name: leg(call) for leg_name, leg in legs.items()}
    for leg_name, answer in answers.items():
        assert answer.status == 200, (leg_name, answer.body[:200])
        assert json.loads(answer.body) == {"name": name, "ready": True}, leg_name


@pytest.fixture(scope="module")
def keras_twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny Keras model converted by ``python -m convert``'s pipeline to TFLite and ONNX."""
    from convert import backend
    from convert.options import Options
    from convert.pipeline import run

    root = tmp_path_factory.mktemp("twins")
    keras = backend.keras3()
    keras.utils.set_random_seed(7)
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.Conv2D(6, 3, strides=2, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    model.save(str(root / "twin.keras"))
    paths = {"tflite": root / "lite" / "twin.tflite", "onnx": root / "onnx" / "twin.onnx"}
    for out in paths.values():  # each beside its own twin.json
        run(Options(model=root / "twin.keras", out=out, labels=("ant", "bee", "cow"),
                    preprocessing="mobilenet", samples=4, latency_runs=1))
    return paths


def test_one_keras_model_as_tflite_and_onnx_answers_alike_everywhere(
        keras_twins: dict[str, Path]) -> None:
    call = Call("POST", "/predict", images.jpeg(seed=9), "image/jpeg")
    scores: dict[str, dict[str, float]] = {}
    for fmt, path in keras_twins.items():
        service = Service(make_settings(model_path=path))
        assert service.pipeline.classifier.format == fmt
        with pytest.MonkeyPatch.context() as patch, front_ends(service, patch) as legs:
            answers = {name: leg(call) for name, leg in legs.items()}
        for name, answer in answers.items():
            assert answer.status == 200, (fmt, name, answer.body[:300])
            assert answer.body == answers["gcp"].body, (fmt, name)
        scores[fmt] = json.loads(answers["gcp"].body)
    assert set(scores["tflite"]) == set(scores["onnx"]) == {"ant", "bee", "cow"}
    for label, value in scores["tflite"].items():
        assert abs(value - scores["onnx"][label]) <= 1e-4, (label, scores)


API_KEY = "contract-key"
KEYED_CASES: dict[str, tuple[Call, int]] = {
    "no-key": (Call("POST", "/predict", images.jpeg(), "image/jpeg"), 401),
    "wrong-key": (Call("GET", "/model", headers={"Authorization": "Bearer nope"}), 401),
    "basic-scheme": (Call("GET", "/model", headers={"Authorization": f"Basic {API_KEY}"}), 401),
    "unknown-route-no-key": (Call("GET", "/nope"), 401),
    "v2-no-key": (Call("GET", "/v2/models/clothing-mobilenet-v2"), 401),
    "page-not-open": (Call("GET", "/"), 401),
    "open-health": (Call("GET", "/health"), 200),
    "key": (Call("POST", "/predict", images.jpeg(), "image/jpeg",
                 headers={"Authorization": f"Bearer {API_KEY}"}), 200),
    "key-lower-scheme": (Call("GET", "/model", headers={"authorization": f"bearer {API_KEY}"}),
                         200),
}


@pytest.fixture(scope="module")
def keyed_legs(classifier: Classifier) -> Iterator[dict[str, Leg]]:
    digest = hashlib.sha256(API_KEY.encode()).hexdigest()
    service = Service(make_settings(api_keys_sha256=(digest,), api_key_open_routes=("/health",)),
                      classifier=classifier)
    with pytest.MonkeyPatch.context() as patch, front_ends(service, patch) as legs:
        yield legs


@pytest.mark.parametrize("case", list(KEYED_CASES))
def test_the_api_key_is_asked_alike_everywhere(case: str,
                                               keyed_legs: dict[str, Leg]) -> None:
    call, status = KEYED_CASES[case]
    answers = {name: leg(call) for name, leg in keyed_legs.items()}
    for name, answer in answers.items():
        assert answer.status == status, (name, answer.body[:300])
        assert answer.content_type == "application/json", name
        assert answer.body == answers["gcp"].body, name
        assert (answer.challenge or "").startswith("Bearer") == (status == 401), name
