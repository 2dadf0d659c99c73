"""The cold path imports nothing the bare floor does not need (the list: tests.init_imports).

Module sets, not times: the speed targets live in benchmarks/cold.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.init_imports import BELOW_FLOOR, ENTRIES, FORBIDDEN, forbidden, init_state, modules
from tests.onnx_graphs import COURSE_2025, Graph, build, write_manifest


@pytest.fixture(scope="module")
def floor() -> frozenset[str]:
    """The bare floor's own modules."""
    return modules("bare")


def test_the_floor_itself_is_clean_of_the_service_stack(floor: frozenset[str]) -> None:
    """A sanity check of the probe: the floor decodes with Pillow and never touches our code."""
    assert "PIL.Image" in floor
    assert not any(name == "core" or name.startswith("core.") for name in floor)


@pytest.mark.parametrize("entry", ["aws_lambda", "gcp_function", "azure_function"])
def test_init_and_first_upload_import_nothing_forbidden(entry: str,
                                                        floor: frozenset[str]) -> None:
    """Entry module import, model load and one base64 upload: no forbidden module."""
    found = forbidden(modules(entry), floor)
    assert not found, "\n".join(f"{name}: {reason}" for name, reason in found.items())


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_a_jpeg_upload_imports_fewer_decoders_than_the_floor(entry: str,
                                                             floor: frozenset[str]) -> None:
    """The floor's Image.open imports Pillow's five common decoders; our init and first JPEG
    upload import JPEG's alone."""
    assert set(BELOW_FLOOR) <= floor  # the floor does import them: ours is below it
    ours = modules(entry)
    assert "PIL.JpegImagePlugin" in ours
    found = sorted(set(BELOW_FLOOR) & ours)
    assert not found, "\n".join(f"{name}: {BELOW_FLOOR[name]}" for name in found)


def test_the_check_catches_a_forbidden_import() -> None:
    """The comparison flags a forbidden submodule the floor lacks, and its reason."""
    found = forbidden(frozenset({"concurrent.futures.thread", "json"}), frozenset({"json"}))
    assert found == {"concurrent.futures.thread": FORBIDDEN["concurrent.futures"]}


def test_an_onnx_model_s_cold_path_imports_no_litert(tmp_path: Path) -> None:
    """The same on an ONNX model, beside ONNX Runtime's own floor: LiteRT (and everything else
    forbidden) stays out; the floor's onnxruntime is allowed."""
    model = build(tmp_path / "model.onnx", Graph(classes=4, head="softmax"))
    write_manifest(model, **{**COURSE_2025, "labels": ["a", "b", "c", "d"],
                             "output": "probabilities"})
    onnx_floor = modules("bare_onnx", model)
    assert "onnxruntime" in onnx_floor and "ai_edge_litert" not in onnx_floor
    ours = modules("aws_lambda_onnx", model)
    assert "onnxruntime" in ours  # the probe served the ONNX model
    assert set(BELOW_FLOOR) <= onnx_floor and not set(BELOW_FLOOR) & ours
    found = forbidden(ours, onnx_floor)
    assert not found, "\n".join(f"{name}: {reason}" for name, reason in found.items())


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_numpy_and_pillow_are_imported_by_the_entry_module_itself(entry: str) -> None:
    """numpy's and Pillow's imports run while only the entry module's own import is in
    progress, not at the end of the service's chain of nested imports (core.startup says
    why); and once init is over the collector runs again, init's objects frozen."""
    state = init_state(entry)
    assert state["loading"] == {"numpy": 1, "PIL.Image": 1}
    assert state["gc_enabled"] is True
    assert state["frozen"] > 10_000
