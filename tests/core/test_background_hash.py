"""The model's sha256 is off the cold path: the service answers while it is read, the identity
and the init line get it when it ends, and a file that is not the manifest's stops the answers.

The first test holds the real hash back with a gate (a wrapper around the real function, the
one stand-in here: nothing else makes a 2.6 MB read last long enough to watch)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import config
from core.api.model_loading import hash_fields
from core.api.service import Service
from core.errors import ModelError
from core.inference import external_data, loader
from core.messages import Request, Response
from tests.conftest import make_settings
from tests.init_imports import PHOTO
from tests.logcapture import captured

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here

SHA256 = hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()  # the reference, by hashlib


def model_copy(folder: Path, **manifest_changes: object) -> Path:
    """The default model and its manifest (changed as asked) in ``folder``."""
    shutil.copy(DEFAULT_MODEL, folder / "model.tflite")
    manifest = json.loads((DEFAULT_MODEL.parent / "model.json").read_text())
    manifest.update(manifest_changes)
    (folder / "model.json").write_text(json.dumps(manifest))
    return folder / "model.tflite"


def predict(service: Service) -> Response:
    body = json.dumps({"image": base64.b64encode(PHOTO.read_bytes()).decode()}).encode()
    return service.handle(Request("POST", "/predict", {"content-type": "application/json"},
                                  body=body))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The loader's hash waits for this event (at most 10 s) before the real hash runs."""
    event = threading.Event()
    real = external_data.identity

    def gated(path: Path, files: tuple[str, ...]) -> str:
        event.wait(timeout=10)
        return real(path, files)

    monkeypatch.setattr(loader, "identity", gated)
    yield event
    event.set()


def test_the_service_answers_before_the_hash_ends(tmp_path: Path,
                                                  gate: threading.Event) -> None:
    service = Service(make_settings(model_path=model_copy(tmp_path)))
    service.warm()
    classifier = service.pipeline.classifier
    assert not classifier.hashed  # loaded, and the hash still held back
    response = predict(service)
    assert response.status == 200, response.body
    with captured() as lines:
        assert hash_fields(classifier) == {"hash_pending": True}
        gate.set()
        classifier.join_hash()
    # one line per init line that found the hash pending (the service's own, when this
    # request was the process's first, and the call above)
    hashed = [r for r in lines.records() if r["event"] == "model_hash"]
    assert hashed and all(r["sha256"] == SHA256 and isinstance(r["hash_ms"], float)
                          for r in hashed)
    assert service.handle(Request("GET", "/model")).json()["sha256"] == SHA256
    verified = Service(make_settings(), classifier=loader.load_classifier(DEFAULT_MODEL))
    assert response.json() == predict(verified).json()  # the answer of a load that waited


def test_a_manifest_for_other_weights_stops_the_answers_once_hashed(tmp_path: Path) -> None:
    service = Service(make_settings(model_path=model_copy(tmp_path, sha256="0" * 64)))
    service.warm()  # the load itself does not wait for the hash
    classifier = service.pipeline.classifier
    with pytest.raises(ModelError):
        _ = classifier.sha256  # waits for the hash, which shows the mismatch
    for response in (predict(service), service.handle(Request("GET", "/model"))):
        assert response.status == 500
        assert response.json()["error"]["code"] == "model_error"
    with captured() as lines:
        fields = hash_fields(classifier)
    assert isinstance(fields["hash_ms"], float)
    [line] = lines.records()
    assert line["event"] == "model_hash" and line["level"] == "ERROR"
    assert SHA256 in line["message"] and "does not match its manifest" in line["message"]

