"""``python -m convert`` refuses to overwrite the embedded model without --force, and warns when
the manifest will have no labels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import convert.guard
from convert.cli import main
from core import config
from core.inference.manifest import sha256_of

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here

FAST = ["--samples", "2", "--latency-runs", "1"]


@pytest.mark.parametrize("name", ["model.tflite", "other.tflite"])
def test_the_embedded_model_is_not_overwritten_without_force(
        keras_models: dict[str, Path], capsys: pytest.CaptureFixture[str], name: str) -> None:
    before = sha256_of(DEFAULT_MODEL), (DEFAULT_MODEL.parent / "model.json").read_bytes()
    out = DEFAULT_MODEL.parent / name
    assert main([str(keras_models["h5"]), str(out), "--labels", "a,b,c", *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convert: error: ") and "--force" in err and "\n" not in err
    assert (sha256_of(DEFAULT_MODEL), (DEFAULT_MODEL.parent / "model.json").read_bytes()) == before
    assert not (DEFAULT_MODEL.parent / "other.tflite").exists()


def test_force_replaces_the_embedded_model(
        keras_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    embedded = tmp_path / "clothing"  # a stand-in for models/clothing/: the real one stays
    embedded.mkdir()
    shutil.copy(DEFAULT_MODEL, embedded / "model.tflite")
    monkeypatch.setattr(convert.guard, "EMBEDDED_DIR", embedded)
    out = embedded / "model.tflite"
    assert main([str(keras_models["h5"]), str(out), "--labels", "a,b,c", *FAST]) == 2
    assert sha256_of(out) == sha256_of(DEFAULT_MODEL)
    assert main([str(keras_models["h5"]), str(out), "--labels", "a,b,c", "--force", *FAST]) == 0
    assert json.loads((embedded / "model.json").read_text())["labels"] == ["a", "b", "c"]
    assert sha256_of(out) != sha256_of(DEFAULT_MODEL)
    assert "warning" not in capsys.readouterr().err


def test_a_conversion_without_labels_warns(
        keras_models: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "unlabelled.tflite"
    assert main([str(keras_models["keras"]), str(out), *FAST]) == 0
    err = capsys.readouterr().err
    warning = [line for line in err.splitlines() if line.startswith("convert: warning:")]
    assert len(warning) == 1 and "--labels" in warning[0] and "class indices" in warning[0]
    assert json.loads(out.with_suffix(".json").read_text())["labels"] == []


def test_a_second_model_in_the_folder_never_overwrites_the_firsts_manifest(
        keras_models: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from core.inference.loader import load_classifier

    first = tmp_path / "out" / "model.tflite"
    assert main([str(keras_models["keras"]), str(first), "--labels", "a,b,c", *FAST]) == 0
    written = {p.name: p.read_bytes() for p in first.parent.iterdir()}
    capsys.readouterr()
    second = tmp_path / "out" / "model.onnx"
    assert main([str(keras_models["keras"]), str(second), "--labels", "a,b,c", *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convert: error: ") and "\n" not in err
    assert "model.json" in err and "model.tflite" in err and "model-onnx.onnx" in err
    assert {p.name: p.read_bytes() for p in first.parent.iterdir()} == written
    assert load_classifier(first).manifest.labels == ("a", "b", "c")  # its sha256 still checks
    assert convert.guard.manifest_clash(tmp_path / "out" / "model-onnx.onnx") is None
    assert convert.guard.manifest_clash(first) is None  # converting it again is fine
