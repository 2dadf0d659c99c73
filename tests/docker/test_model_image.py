"""`make image MODEL=path` ships exactly that model: one image built with the course's ONNX pair
(graph + external data file) from a folder outside the repository, run as Lambda runs it."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.aws_lambda.runtime_api import RuntimeApi
from tests.docker.engine import ROOT, build, pinned, task_root
from tests.docker.test_image import container
from tests.onnx_graphs import COURSE_2025, Graph, externalise, write_manifest
from tests.onnx_graphs import build as build_onnx

TAG = "models-lambda:test-onnx-x86_64"
ONNX_SET = ("onnxruntime", "coloredlogs", "flatbuffers", "packaging", "protobuf", "sympy")


def model_request() -> dict[str, Any]:
    """An HTTP API 2.0 event for GET /model."""
    http = {"method": "GET", "path": "/model", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"}
    return {"version": "2.0", "routeKey": "GET /model", "rawPath": "/model",
            "rawQueryString": "", "headers": {"accept": "application/json"},
            "requestContext": {"http": http, "requestId": "model", "routeKey": "GET /model",
                               "stage": "$default"}, "isBase64Encoded": False}


def versions(names: tuple[str, ...]) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return " ".join(found)


@pytest.fixture(scope="module")
def course_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outside") / "hair"  # not inside the repository
    folder.mkdir()
    model = externalise(build_onnx(folder / "hair_classifier_v1.onnx", Graph(seed=7)))
    write_manifest(model, **{**COURSE_2025, "version": "image-test"})
    (folder / "other.tflite").write_bytes(b"another model's file: never shipped")
    return model


@pytest.fixture(scope="module")
def model_image(course_model: Path) -> str:
    built = build("x86_64", TAG=TAG, MODEL=str(course_model),
                  PIP_CONSTRAINTS=f"{pinned()} {versions(ONNX_SET)}")
    assert built  # build() fails the test when the build fails
    return TAG


def test_the_image_holds_the_model_its_sidecar_and_nothing_else(model_image: str) -> None:
    with task_root(model_image) as tar:
        files = {m.name for m in tar if not m.isdir() and m.name.startswith("task/models/")}
        pointer = tar.extractfile("task/models/default.txt")
        assert pointer is not None and pointer.read() == b"models/hair/hair_classifier_v1.onnx\n"
    assert files == {"task/models/default.txt", "task/models/hair/hair_classifier_v1.onnx",
                     "task/models/hair/hair_classifier_v1.onnx.data",
                     "task/models/hair/hair_classifier_v1.json"}


def test_model_inside_the_running_container_names_it(model_image: str, course_model: Path,
                                                     tmp_path: Path) -> None:
    from core.inference.loader import load_classifier

    log = tmp_path / "container.log"
    with RuntimeApi() as api, container(model_image, api, log):
        outcome = api.invoke(model_request(), timeout_s=180)
    assert outcome.kind == "response", log.read_text()
    described = json.loads(outcome.json()["body"])
    assert (described["name"], described["version"]) == ("hair", "image-test")
    assert described["runtime"]["name"] == "onnxruntime"
    assert described["onnx"]["external_data"] == ["hair_classifier_v1.onnx.data"]
    assert described["sha256"] == load_classifier(course_model).sha256


def test_a_missing_sidecar_stops_the_image_build_with_one_line(tmp_path: Path) -> None:
    model = externalise(build_onnx(tmp_path / "m.onnx"))
    (tmp_path / "m.onnx.data").unlink()
    done = subprocess.run(["bash", "docker/build.sh"], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "MODEL": str(model), "TAG": TAG + "-x",
                               "BUILDER": "docker"}, timeout=120)
    assert done.returncode != 0
    assert done.stderr.startswith("error: model m.onnx keeps its weights in m.onnx.data")
    assert done.stderr.count("\n") == 1


def test_a_model_under_build_is_staged_with_its_set(tmp_path: Path) -> None:
    """build/ is outside the Docker context; the staged copy in build/image-model is not."""
    import sys

    folder = ROOT / "build" / "models-stage-test" / "mine"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        model = externalise(build_onnx(folder / "model.onnx"))
        write_manifest(model, **COURSE_2025)
        done = subprocess.run([sys.executable, "scripts/model_set.py", "stage", str(model),
                               str(tmp_path / "staged")], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, check=True)
        staged = tmp_path / "staged" / "models" / "mine"
        assert done.stdout.split() == [staged.as_posix(), "model.onnx"]
        assert sorted(p.name for p in staged.iterdir()) == ["model.json", "model.onnx",
                                                             "model.onnx.data"]
    finally:
        import shutil

        shutil.rmtree(folder.parent)
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore.index("!build/image-model") > ignore.index("build")
