"""MODEL_URI from S3, Cloud Storage and Azure Blob: the real SDKs against real servers on
127.0.0.1, through the service's own start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.api.model_loading import classifier_from_settings
from core.api.service import Service
from core.errors import ConfigError
from core.messages import Request
from tests.conftest import make_settings
from tests.core.modelstore.conftest import Lines, Store
from tests.core.test_external_data import rule
from tests.onnx_graphs import COURSE_2025, Graph, build, externalise, write_manifest

pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")
MODEL, SIDECAR = "hair_classifier_v1.onnx", "hair_classifier_v1.onnx.data"


def course_pair(folder: Path, seed: int = 0) -> tuple[Path, str]:
    """The course homework's .onnx + .onnx.data with its manifest, and its identity."""
    folder.mkdir(parents=True, exist_ok=True)
    model = externalise(build(folder / MODEL, Graph(seed=seed)))
    write_manifest(model, **COURSE_2025)
    return model, rule(model, [SIDECAR])


def cached(cache: Path) -> list[str]:
    """Every path under the cache folder, relative to its URI's folder."""
    return sorted(p.relative_to(next(cache.iterdir())).as_posix()
                  for p in cache.rglob("*") if p != next(cache.iterdir()))


def test_the_course_pair_downloads_verified_and_serves(
        store: Store, tmp_path: Path, log_lines: Lines) -> None:
    model, identity = course_pair(tmp_path / "hair")
    store.upload(model.parent, "hair/v1/")
    cache = tmp_path / "cache"
    service = Service(make_settings(model_uri=store.uri(f"hair/v1/{MODEL}"),
                                    model_sha256=identity, model_cache_dir=cache))
    service.warm()
    described = json.loads(service.handle(Request("GET", "/model")).body)
    assert described["sha256"] == identity
    assert described["labels"] == ["curly", "straight"]  # the manifest came with it
    assert cached(cache) == [identity, f"{identity}/hair_classifier_v1.json",
                             f"{identity}/{MODEL}", f"{identity}/{SIDECAR}"]
    [line] = log_lines.events("model_loaded")
    assert line["sha256"] == identity and line["download_reused"] is False
    assert isinstance(line["download_ms"], float) and line["download_ms"] > 0
    assert line["model_uri"] == store.uri(f"hair/v1/{MODEL}")
    assert line["init_ms"] >= line["download_ms"]  # type: ignore[operator]


def test_a_warm_start_reuses_the_verified_copy(store: Store, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    store.upload(model.parent, "")
    settings = make_settings(model_uri=store.uri(MODEL), model_sha256=identity,
                             model_cache_dir=tmp_path / "cache")
    first: dict[str, object] = {}
    classifier_from_settings(settings, first)
    for name in (MODEL, SIDECAR):
        store.delete(name)  # a second download would now fail
    again: dict[str, object] = {}
    classifier = classifier_from_settings(settings, again)
    assert (first["download_reused"], again["download_reused"]) == (False, True)
    assert classifier.describe()["sha256"] == identity


def test_without_sha256_the_download_is_served_and_its_identity_logged(
        store: Store, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair", seed=4)
    store.upload(model.parent, "m/")
    init: dict[str, object] = {}
    settings = make_settings(model_uri=store.uri(f"m/{MODEL}"), model_cache_dir=tmp_path / "c")
    assert classifier_from_settings(settings, init).describe()["sha256"] == identity
    assert init["sha256"] == identity


def test_a_wrong_sha256_stops_the_start_and_leaves_no_copy(store: Store, tmp_path: Path) -> None:
    model, _ = course_pair(tmp_path / "hair")
    store.upload(model.parent, "")
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError, match="not MODEL_SHA256 " + "0" * 64) as caught:
        Service(make_settings(model_uri=store.uri(MODEL), model_sha256="0" * 64,
                              model_cache_dir=cache)).warm()
    assert "\n" not in str(caught.value)
    assert [p.name for p in cache.rglob("*")] == [next(cache.iterdir()).name]  # nothing inside


def test_a_missing_model_is_named(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"downloading nope\.onnx does not exist") as caught:
        classifier_from_settings(make_settings(model_uri=store.uri("nope.onnx"),
                                               model_cache_dir=tmp_path))
    assert "\n" not in str(caught.value)


def test_a_missing_sidecar_is_named_and_nothing_looks_complete(
        store: Store, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    store.put(MODEL, model.read_bytes())
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError, match=f"downloading {SIDECAR} does not exist"):
        classifier_from_settings(make_settings(model_uri=store.uri(MODEL),
                                               model_sha256=identity, model_cache_dir=cache))
    assert not list(next(cache.iterdir()).iterdir())  # the partial folder is gone


def test_a_killed_downloads_partial_folder_is_removed_and_never_used(
        s3: Store, tmp_path: Path) -> None:
    model, identity = course_pair(tmp_path / "hair")
    s3.upload(model.parent, "")
    settings = make_settings(model_uri=s3.uri(MODEL), model_sha256=identity,
                             model_cache_dir=tmp_path / "cache")
    classifier_from_settings(settings)
    folder = next((tmp_path / "cache").iterdir())
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan, running = folder / f".partial-{gone}-x1", folder / f".partial-{os.getpid()}-x2"
    for stage in (orphan, running):
        (stage / MODEL).parent.mkdir(parents=True)
        (stage / MODEL).write_bytes(b"half a model")
    shutil.rmtree(folder / identity)  # the next start must download again
    init: dict[str, object] = {}
    assert classifier_from_settings(settings, init).describe()["sha256"] == identity
    assert init["download_reused"] is False
    assert not orphan.exists() and running.exists()  # a live process's download is left alone
