"""ONNX models whose weights sit in external data files, served by the real ONNX Runtime."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core import cli, errors
from core.images.resize import load_rgb
from core.inference.external_data import sidecars
from core.inference.loader import load_classifier
from core.inference.onnx_header import external_locations
from tests import images
from tests.onnx_graphs import COURSE_2025, Graph, build, externalise, write_manifest

ort = pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")
onnx = pytest.importorskip("onnx", reason="never skipped: dev installs onnx")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rule(model: Path, files: list[str]) -> str:
    """The identity rule of docs/models.md, computed here independently."""
    text = digest(model) + "\n" + "".join(f"{digest(model.parent / f)}  {f}\n"
                                          for f in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def course_pair(folder: Path, seed: int = 0) -> Path:
    """hair_classifier_v1.onnx + hair_classifier_v1.onnx.data, as torch.onnx.export writes."""
    folder.mkdir(parents=True, exist_ok=True)
    model = externalise(build(folder / "hair_classifier_v1.onnx", Graph(seed=seed)))
    write_manifest(model, **COURSE_2025)
    return model


def reference(model: Path, pixels: np.ndarray) -> float:
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    x = ((pixels / 255.0 - mean) / std).astype(np.float32).transpose(2, 0, 1)[None]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return float(session.run(None, {"input": x})[0][0, 0])


def test_the_course_pair_serves_and_its_identity_covers_the_weights(tmp_path: Path) -> None:
    model = course_pair(tmp_path / "hair")
    assert sorted(p.name for p in model.parent.iterdir()) == [
        "hair_classifier_v1.json", "hair_classifier_v1.onnx", "hair_classifier_v1.onnx.data"]
    classifier = load_classifier(model)
    photo = load_rgb(images.jpeg(seed=3), (200, 200))
    score = float(classifier.predict(photo[None])[0][1])
    assert score == pytest.approx(reference(model, photo.astype(np.float64)), abs=2e-6)
    described = classifier.describe()
    assert described["sha256"] == rule(model, ["hair_classifier_v1.onnx.data"])
    assert described["sha256"] != digest(model)
    assert described["onnx"]["external_data"] == ["hair_classifier_v1.onnx.data"]
    assert described["size_bytes"] == sum(p.stat().st_size for p in model.parent.glob("*.onnx*"))


def test_new_weights_in_the_same_file_change_the_identity(tmp_path: Path) -> None:
    first, second = course_pair(tmp_path / "a", seed=0), course_pair(tmp_path / "b", seed=1)
    assert first.read_bytes() == second.read_bytes()  # the graphs are byte for byte equal
    one, two = load_classifier(first), load_classifier(second)
    assert one.sha256 != two.sha256
    # a manifest that recorded the old identity now stops the start, naming what to do
    write_manifest(second, **COURSE_2025, sha256=one.sha256)
    with pytest.raises(errors.ConfigError, match=r"hair_classifier_v1\.onnx\.data") as info:
        load_classifier(second)
    assert "\n" not in str(info.value)


def test_without_sidecars_the_identity_is_the_files_sha256(tmp_path: Path) -> None:
    model = build(tmp_path / "inline.onnx")
    assert sidecars(model) == ()
    assert load_classifier(model).sha256 == digest(model)


def test_several_sidecars_and_a_subfolder(tmp_path: Path) -> None:
    model = externalise(build(tmp_path / "m.onnx"), {"conv_w": "weights/conv.bin",
                                                     "dense_w": "dense.bin"})
    assert external_locations(model) == ("weights/conv.bin", "dense.bin")
    assert sidecars(model) == ("dense.bin", "weights/conv.bin")
    classifier = load_classifier(model, labels=["yes"], normalization="torch")
    assert classifier.sha256 == rule(model, ["dense.bin", "weights/conv.bin"])
    assert classifier.predict(np.zeros((1, 200, 200, 3), np.uint8)).shape == (1, 1)


def test_the_header_lists_what_the_onnx_package_lists(tmp_path: Path) -> None:
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    model = externalise(build(tmp_path / "m.onnx"), {"conv_w": "a.bin", "conv_b": "b.bin",
                                                     "dense_b": "a.bin"})
    proto = onnx.load(str(model), load_external_data=False)
    expected = [dict((e.key, e.value) for e in t.external_data)["location"]
                for t in _get_all_tensors(proto) if uses_external_data(t)]
    assert list(external_locations(model)) == list(dict.fromkeys(expected))


@pytest.mark.parametrize("location", ["../outside.bin", "/tmp/absolute.bin", "a/../../x.bin",
                                      "C:\\weights.bin"])
def test_a_location_outside_the_folder_is_refused(tmp_path: Path, location: str) -> None:
    model = externalise(build(tmp_path / "m.onnx"), {"conv_w": location})
    with pytest.raises(errors.ConfigError, match="outside the model's folder") as info:
        load_classifier(model, labels=["yes"])
    assert "\n" not in str(info.value) and repr(location) in str(info.value)


def test_a_missing_sidecar_stops_the_start_with_one_line_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = course_pair(tmp_path / "hair")
    (model.parent / "hair_classifier_v1.onnx.data").unlink()
    with pytest.raises(errors.ConfigError, match=r"hair_classifier_v1\.onnx\.data"):
        load_classifier(model)
    assert cli.main(["info", "--model", str(model)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: model hair_classifier_v1.onnx keeps its weights in "
                          "hair_classifier_v1.onnx.data, which is missing") and "\n" not in err


def test_the_check_command_prints_the_sidecars(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from core.inference.external_data import main

    model = course_pair(tmp_path / "hair")
    assert main([str(model)]) == 0
    assert capsys.readouterr().out == "hair_classifier_v1.onnx.data\n"
    shutil.move(model.parent / "hair_classifier_v1.onnx.data", tmp_path / "elsewhere")
    assert main([str(model)]) == 2
    assert json.dumps("hair_classifier_v1.onnx.data")[1:-1] in capsys.readouterr().err


def test_an_unreadable_sidecar_is_named_too(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    model = course_pair(tmp_path / "hair")
    data = model.parent / "hair_classifier_v1.onnx.data"
    data.chmod(0o000)
    real = os.access  # root reads any file: os.access answers as for the function's own user
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == data
                        else real(p, mode))
    with pytest.raises(errors.ConfigError, match=r"may not read; make it readable \(chmod a\+r"):
        load_classifier(model)


def test_a_node_attributes_tensor_in_a_sidecar_is_found(tmp_path: Path) -> None:
    from onnx import helper, numpy_helper

    value = numpy_helper.from_array(np.ones((64, 64), np.float32), "bias")
    nodes = [helper.make_node("Constant", [], ["c"], value=value),
             helper.make_node("Add", ["x", "c"], ["y"])]
    graph = helper.make_graph(nodes, "const", [helper.make_tensor_value_info("x", 1, [64, 64])],
                              [helper.make_tensor_value_info("y", 1, [64, 64])])
    model = tmp_path / "const.onnx"
    onnx.save_model(helper.make_model(graph), str(model), save_as_external_data=True,
                    location="const.bin", size_threshold=0, convert_attribute=True)
    assert external_locations(model) == ("const.bin",)
    assert ort.InferenceSession(str(model)).run(None, {"x": np.zeros((64, 64), np.float32)})[0][
        0, 0] == 1.0
