"""The real ``tritonclient[http]`` client against ``python -m core serve`` on 127.0.0.1.

The server runs as a child process started the way a user starts it, so these tests hold for
whatever HTTP server ``core serve`` uses. Each answer is checked against ``POST /predict`` on
the same image: the protocol is another way in, not another model.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

from core.inference.classifier import Classifier
from tests import images
from tests.conftest import ROOT
from tests.defaultmodel import default_version
from tests.processes import stop

MODEL = "clothing-mobilenet-v2"
VERSION = default_version()  # the embedded model's manifest version
PHOTOS = [images.jpeg(seed=s) for s in (0, 1, 2)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, body: bytes | None = None, kind: str = "image/jpeg") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m core serve`` on a free port, live once /v2/health/live answers 200."""
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "core", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"http://{url}/v2/health/live")[0] != 200:
            assert process.poll() is None, Path(log).read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not come up in 60 s"
            time.sleep(0.1)
        yield url
    finally:
        stop(process)


@pytest.fixture
def client(server: str) -> Iterator[triton.InferenceServerClient]:
    client = triton.InferenceServerClient(url=server, network_timeout=60)
    yield client
    client.close()


def predicted(server: str, photo: bytes, labels: list[str]) -> np.ndarray:
    """``POST /predict``'s scores for ``photo`` in label order."""
    status, body = get(f"http://{server}/predict", photo)
    assert status == 200
    answer = json.loads(body)
    return np.array([answer[label] for label in labels], dtype=np.float32)


def image_input(photos: list[bytes], binary: bool) -> triton.InferInput:
    tensor = triton.InferInput("image", [len(photos)], "BYTES")
    if binary:
        tensor.set_data_from_numpy(np.array(photos, dtype=np.object_), binary_data=True)
    else:  # JSON carries BYTES as text: base64 strings
        import base64

        encoded = [base64.b64encode(p).decode("ascii") for p in photos]
        tensor.set_data_from_numpy(np.array(encoded, dtype=np.object_), binary_data=False)
    return tensor


def test_health_and_metadata(client: triton.InferenceServerClient,
                             classifier: Classifier) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(MODEL)
    assert client.is_model_ready(MODEL, model_version=VERSION)
    assert not client.is_model_ready("no-such-model")
    server = client.get_server_metadata()
    assert "binary_tensor_data" in server["extensions"]
    meta = client.get_model_metadata(MODEL)
    assert meta["name"] == MODEL and meta["versions"] == [VERSION]
    assert {"name": "image", "datatype": "BYTES", "shape": [-1]} in meta["inputs"]
    assert meta["outputs"] == [
        {"name": "scores", "datatype": "FP32", "shape": [-1, len(classifier.labels)]},
        {"name": "label", "datatype": "BYTES", "shape": [-1]}]
    with pytest.raises(InferenceServerException) as caught:
        client.get_model_metadata("no-such-model")
    assert caught.value.status() == "404"
    assert "no-such-model" in caught.value.message()


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "json"])
@pytest.mark.parametrize("count", [1, 3])
def test_infer_matches_predict(client: triton.InferenceServerClient, server: str,
                               classifier: Classifier, binary: bool, count: int) -> None:
    labels = list(classifier.labels)
    photos = PHOTOS[:count]
    outputs = [triton.InferRequestedOutput("scores", binary_data=binary),
               triton.InferRequestedOutput("label", binary_data=binary)]
    result = client.infer(MODEL, [image_input(photos, binary)], outputs=outputs,
                          request_id=f"req-{count}")
    scores = result.as_numpy("scores")
    assert scores is not None and scores.dtype == np.float32
    assert scores.shape == (count, len(labels))
    label = result.as_numpy("label")
    assert label is not None and label.shape == (count,)
    response = result.get_response()
    assert response["id"] == f"req-{count}" and response["model_name"] == MODEL
    for row, photo, top in zip(scores, photos, label, strict=True):
        expected = predicted(server, photo, labels)
        np.testing.assert_allclose(row, expected, atol=1e-6)  # /predict rounds to 6 places
        name = top.decode() if isinstance(top, bytes) else str(top)
        assert name == labels[int(np.argmax(row))]


def test_default_outputs_are_binary_and_versions_route(client: triton.InferenceServerClient,
                                                       classifier: Classifier) -> None:
    """No ``outputs``: tritonclient asks for every output as binary data."""
    result = client.infer(MODEL, [image_input(PHOTOS[:1], True)], model_version=VERSION)
    assert {o["name"] for o in result.get_response()["outputs"]} == {"scores", "label"}
    assert all("binary_data_size" in o["parameters"] for o in result.get_response()["outputs"])
    scores = result.as_numpy("scores")
    assert scores is not None and scores.shape == (1, len(classifier.labels))


def test_preprocessed_tensor_input(client: triton.InferenceServerClient,
                                   classifier: Classifier) -> None:
    """The model's own input tensor, binary: the same scores as feeding it in-process."""
    meta = client.get_model_metadata(MODEL)
    spec = next(i for i in meta["inputs"] if i["name"] != "image")
    rng = np.random.default_rng(3)
    tensor = rng.integers(0, 256, (2, *spec["shape"][1:]), dtype=np.uint8)
    assert spec["datatype"] == "UINT8"
    request = triton.InferInput(spec["name"], list(tensor.shape), spec["datatype"])
    request.set_data_from_numpy(tensor, binary_data=True)
    result = client.infer(MODEL, [request],
                          outputs=[triton.InferRequestedOutput("scores", binary_data=True)])
    expected = np.concatenate([classifier.predict(t[np.newaxis], preprocessed=True)
                               for t in tensor])
    np.testing.assert_allclose(result.as_numpy("scores"), expected, atol=1e-5)


def test_client_sees_protocol_errors(client: triton.InferenceServerClient) -> None:
    broken = triton.InferInput("image", [1], "BYTES")
    broken.set_data_from_numpy(np.array([b"not an image"], dtype=np.object_), binary_data=True)
    with pytest.raises(InferenceServerException) as caught:
        client.infer(MODEL, [broken])
    assert caught.value.status() == "422"
    with pytest.raises(InferenceServerException) as caught:
        client.infer("no-such-model", [image_input(PHOTOS[:1], True)])
    assert caught.value.status() == "404"


# Written by hand from the protocol document's "Inference Request Examples" (no client library,
# no binary extension): an 8x8 red PNG as a base64 BYTES element, one requested output.
HAND_WRITTEN = b"""{
  "id" : "42",
  "inputs" : [
    {
      "name" : "image",
      "shape" : [ 1 ],
      "datatype" : "BYTES",
      "data" : [
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGM8ISfHgA0wYRUdtBIA0MoBFD5jqJkAAAAASUVORK5CYII="
      ]
    }
  ],
  "outputs" : [
    {
      "name" : "scores"
    }
  ]
}"""


def test_hand_written_json_request(server: str, classifier: Classifier) -> None:
    status, body = get(f"http://{server}/v2/models/{MODEL}/infer", HAND_WRITTEN,
                       "application/json")
    assert status == 200, body
    answer = json.loads(body)
    assert answer["id"] == "42" and answer["model_name"] == MODEL
    (scores,) = answer["outputs"]
    assert (scores["name"], scores["datatype"]) == ("scores", "FP32")
    assert scores["shape"] == [1, len(classifier.labels)]
    assert len(scores["data"]) == len(classifier.labels)
    assert abs(sum(scores["data"]) - 1) < 1e-4  # probabilities


def test_client_behind_a_base_path(server: str) -> None:
    """A stage or base path in the client's URL (API Gateway's /prod, Azure's /api)."""
    client = triton.InferenceServerClient(url=f"{server}/prod", network_timeout=60)
    try:
        assert client.is_model_ready(MODEL)
        result = client.infer(MODEL, [image_input(PHOTOS[:1], True)])
        assert result.as_numpy("scores").shape[0] == 1
    finally:
        client.close()
