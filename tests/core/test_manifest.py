"""The manifest format: round trip, validation, checksum."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core import config
from core.errors import ConfigError
from core.inference.manifest import Manifest, load_manifest, sha256_of, write_manifest

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here


def test_round_trip(tmp_path: Path) -> None:
    manifest = Manifest(file="m.tflite", labels=("a", "b"), name="n", version="2", height=8,
                        width=9, resize="nearest", normalization="xception", draft=False,
                        output="logits", extra={"license": "MIT"})
    path = tmp_path / "m.json"
    write_manifest(manifest, path)
    assert load_manifest(path) == manifest
    assert json.loads(path.read_text())["license"] == "MIT"


def test_committed_manifest_is_valid() -> None:
    manifest = load_manifest(DEFAULT_MODEL.parent / "model.json")
    assert manifest.file == DEFAULT_MODEL.name
    assert manifest.sha256 == sha256_of(DEFAULT_MODEL)
    assert manifest.sha256 == hashlib.sha256(DEFAULT_MODEL.read_bytes()).hexdigest()


@pytest.mark.parametrize(("data", "message"), [
    ({"labels": "abc"}, "'labels' must be a list of strings"),
    ({"input": []}, "must be objects"),
    ({"format": 9}, "unsupported manifest format"),
    ({"output": "boxes"}, "output must be one of"),
    ({"preprocessing": {"resize": "magic"}}, "resize must be one of"),
    ({"input": {"height": "tall"}}, "invalid literal"),
])
def test_invalid_manifests(tmp_path: Path, data: dict[str, object], message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=message):
        load_manifest(path)


def test_unreadable_manifest(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read model manifest"):
        load_manifest(path)


@pytest.mark.parametrize("value", ["false", "true", 0, 1, None])
def test_draft_must_be_a_json_boolean(value: object) -> None:
    from core.inference.manifest import manifest_from_json

    with pytest.raises(ConfigError, match=r"preprocessing\.draft must be true or false"):
        manifest_from_json({"preprocessing": {"draft": value}})
    assert manifest_from_json({"preprocessing": {"draft": False}}).draft is False


@pytest.mark.parametrize("name", ["/etc/passwd", "../other/model.tflite", "a/../../x.tflite",
                                  "", "C:\\models\\m.tflite", "sub\\..\\..\\m.tflite"])
def test_the_model_file_stays_beside_its_manifest(name: str) -> None:
    from core.inference.manifest import manifest_from_json

    with pytest.raises(ConfigError, match="'file' must name a file in the manifest's folder"):
        manifest_from_json({"file": name})


def test_a_model_file_in_a_subfolder_is_fine() -> None:
    from core.inference.manifest import manifest_from_json

    assert manifest_from_json({"file": "lite/model.tflite"}).file == "lite/model.tflite"
