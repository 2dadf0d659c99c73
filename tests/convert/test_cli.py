"""The command line: output, files written, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import convert.pipeline
from convert.cli import main
from tests.convert.conftest import LABELS

ROOT = Path(__file__).resolve().parents[2]


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("convert: error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_cli_converts_and_reports(keras_models: dict[str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(LABELS) + "\n")
    out = tmp_path / "out" / "clothing.tflite"
    code = main([str(keras_models["h5"]), str(out), "--quantize", "float16", "--labels",
                 str(labels), "--preprocessing", "xception", "--samples", "4",
                 "--latency-runs", "2", "--min-agreement", "0.9", "--name", "tiny"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "top-1 agree   100.0% on 4 generated images" in printed and "latency" in printed
    manifest = json.loads((tmp_path / "out" / "clothing.json").read_text())
    assert manifest["labels"] == list(LABELS) and manifest["name"] == "tiny"
    assert manifest["preprocessing"]["normalization"] == "xception"
    assert json.loads((tmp_path / "out" / "clothing.parity.json").read_text())["passed"]


def test_min_agreement_fails_the_command(keras_models: dict[str, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert.pipeline, "compare", lambda a, b: (1.0, 0.5, 0.5))
    code = main([str(keras_models["keras"]), str(tmp_path / "m.tflite"), "--samples", "2",
                 "--latency-runs", "1", "--min-agreement", "0.9"])
    assert code == 3
    err = capsys.readouterr().err
    assert "top-1 agreement 50.0% is below --min-agreement 90.0%" in err
    assert json.loads((tmp_path / "m.parity.json").read_text())["passed"] is False


@pytest.mark.parametrize(("name", "expected"), [
    ("vector", "is not an image tensor: expected rank 4"),
    ("two_channel", "(None, 32, 32, 2) is not an image tensor"),
    ("grey", "is single-channel"),
    ("free", "has no fixed height and width"),
])
def test_models_that_are_not_rgb_images(name: str, expected: str, odd_models: dict[str, Path],
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(capsys, [str(odd_models[name]), str(tmp_path / "m.tflite")])
    assert expected in err


def test_input_errors(keras_models: dict[str, Path], unreadable_dir: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "m.tflite")
    assert "does not exist" in _error(capsys, [str(tmp_path / "none.h5"), out])
    bogus = tmp_path / "weights.bin"
    bogus.write_bytes(b"\x00" * 64)
    assert "unsupported model format 'weights.bin'" in _error(capsys, [str(bogus), out])
    assert "not a SavedModel" in _error(capsys, [str(tmp_path), out])
    broken = tmp_path / "broken.h5"
    broken.write_bytes(b"nope")
    assert "cannot load" in _error(capsys, [str(broken), out])
    model = str(keras_models["h5"])
    assert "no readable images" in _error(
        capsys, [model, out, "--quantize", "int8", "--calibration", str(unreadable_dir)])
    assert "does not exist" in _error(
        capsys, [model, out, "--calibration", str(tmp_path / "missing")])
    assert "needs --calibration" in _error(capsys, [model, out, "--quantize", "int8"])
    assert "2 labels given but the model outputs 3" in _error(capsys, [model, out, "--labels",
                                                                       "a,b"])
    assert "--io uint8 needs --quantize int8" in _error(capsys, [model, out, "--io", "uint8"])
    assert "between 0 and 1" in _error(capsys, [model, out, "--min-agreement", "99"])
    assert "must be a .tflite or .onnx path" in _error(capsys, [model, str(tmp_path / "m.pb")])


def test_module_entry_point_prints_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "convert", str(tmp_path / "x.keras"),
                             str(tmp_path / "x.tflite")], capture_output=True, text=True,
                            cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"convert: error: model {tmp_path / 'x.keras'} does not exist"


def test_a_conversion_prints_only_its_own_lines(keras_models: dict[str, Path],
                                                tmp_path: Path) -> None:
    """TensorFlow's native chatter (``failed call to cuInit`` on a machine without a GPU) is
    silenced unless the user sets TF_CPP_MIN_LOG_LEVEL; what remains is the tool's own."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-m", "convert", str(keras_models["keras"]),
                             str(tmp_path / "tiny.tflite"), "--labels", ",".join(LABELS),
                             "--samples", "2", "--latency-runs", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "cuInit" not in result.stderr
    assert all(line.startswith("convert: ") for line in result.stderr.splitlines()), \
        result.stderr
