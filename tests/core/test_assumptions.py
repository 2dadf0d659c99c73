"""A model served without a manifest says, once at start, every value it assumed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.api.service import Service
from core.config import DEFAULT_MODEL
from core.messages import Request
from tests.conftest import ROOT, make_settings
from tests.logcapture import captured
from tests.onnx_graphs import COURSE_2025, Graph, build, write_manifest

pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")
EVENT = "model_without_manifest"
SETTINGS = ("MODEL_NORMALIZATION", "MODEL_RESIZE", "MODEL_LAYOUT", "MODEL_OUTPUT")


def warnings_of(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("event") == EVENT]


def start(model: Path, **settings: Any) -> list[dict[str, Any]]:
    """Start a service on ``model``, answer two requests; the warnings logged meanwhile."""
    with captured() as lines:
        service = Service(make_settings(model_path=model, **settings))
        service.warm()
        for _ in range(2):
            assert service.handle(Request("GET", "/model", {}, {}, b"")).status == 200
    return warnings_of(lines.records())


def test_the_course_model_without_manifest_names_each_assumption(tmp_path: Path) -> None:
    model = build(tmp_path / "hair.onnx")  # NCHW, one sigmoid output, no manifest
    found = start(model)
    assert len(found) == 1 and found[0]["level"] == "WARNING"
    assert found[0]["assumed"] == {"normalization": "none", "resize": "bilinear",
                                   "layout": "NCHW", "output": "probabilities"}
    message = found[0]["message"]
    for setting in SETTINGS:
        assert setting in message
    assert "most likely a PyTorch export" in message
    assert "MODEL_NORMALIZATION=torch" in message
    assert "MODEL_OUTPUT=sigmoid" in message  # one output value read as probabilities


def test_settings_take_their_values_out_of_the_warning(tmp_path: Path) -> None:
    model = build(tmp_path / "hair.onnx")
    found = start(model, model_normalization="torch", model_output="sigmoid")
    assert found[0]["assumed"] == {"resize": "bilinear", "layout": "NCHW"}
    assert "PyTorch" not in found[0]["message"] and "MODEL_NORMALIZATION" not in found[0]["message"]
    assert start(model, model_normalization="torch", model_output="sigmoid",
                 model_resize="bilinear", model_layout="NCHW") == []


def test_a_manifest_or_a_channels_last_model_needs_no_pytorch_advice(tmp_path: Path) -> None:
    course = build(tmp_path / "course.onnx")
    write_manifest(course, **COURSE_2025)
    assert start(course) == []
    nhwc = build(tmp_path / "nhwc.onnx", Graph(layout="NHWC", classes=3, head="softmax"))
    found = start(nhwc)
    assert found[0]["assumed"]["layout"] == "NHWC"
    assert "PyTorch" not in found[0]["message"] and "sigmoid" not in found[0]["message"]
    tflite = tmp_path / "copy.tflite"
    shutil.copy(DEFAULT_MODEL, tflite)
    assert warnings_of_normalization(start(tflite)) == "auto"


def warnings_of_normalization(found: list[dict[str, Any]]) -> str:
    assert len(found) == 1
    value: str = found[0]["assumed"]["normalization"]
    return value


def test_the_cli_says_it_once_on_stderr(tmp_path: Path) -> None:
    model = build(tmp_path / "hair.onnx")
    done = subprocess.run([sys.executable, "-m", "core", "info", "--model", str(model)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if EVENT in line]
    assert len(lines) == 1 and "MODEL_NORMALIZATION=torch" in lines[0]["message"]
    assert json.loads(done.stdout)["layout"] == "NCHW"
