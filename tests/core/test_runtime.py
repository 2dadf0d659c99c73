"""Runtime selection: LiteRT first; an explicit choice; a clear error when none is there."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

from core.errors import ConfigError
from core.inference import runtimes as runtime_module
from core.inference.runtimes import find_runtime


def block(monkeypatch: pytest.MonkeyPatch, *prefixes: str) -> list[str]:
    """Make modules starting with ``prefixes`` unimportable; return the names tried."""
    tried: list[str] = []
    real_import = importlib.import_module

    def import_module(name: str, package: str | None = None) -> ModuleType:
        if name in runtime_module.MODULES:
            tried.append(name)
            if name.startswith(prefixes):
                raise ImportError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", import_module)
    return tried


def test_litert_is_first() -> None:
    runtime = find_runtime()
    assert runtime.name == "litert"
    assert runtime.version[0].isdigit()


def test_falls_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    tried = block(monkeypatch, "ai_edge_litert", "tflite_runtime")
    # tensorflow is installed in the dev set (convert/ needs it), so the last resort is real.
    runtime = find_runtime()
    expected = ["ai_edge_litert.interpreter", "tflite_runtime.interpreter", "tensorflow"]
    assert list(dict.fromkeys(tried)) == expected
    assert runtime.name == "tensorflow"


def test_no_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    block(monkeypatch, "ai_edge_litert", "tflite_runtime", "tensorflow")
    with pytest.raises(ConfigError, match=r"no TFLite runtime is installed.*ai-edge-litert"):
        find_runtime()


def test_explicit_choice_skips_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    tried = block(monkeypatch)
    assert find_runtime("litert").name == "litert"
    assert tried == ["ai_edge_litert.interpreter"]


def test_unknown_preference() -> None:
    with pytest.raises(ConfigError, match="MODEL_RUNTIME"):
        find_runtime("onnx")


def test_no_onnx_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    block(monkeypatch, "onnxruntime")
    message = r"no ONNX runtime is installed.*pip install '\.\[onnx\]'"
    with pytest.raises(ConfigError, match=message):
        find_runtime("auto", "onnx")


def test_the_default_install_does_not_carry_onnxruntime() -> None:
    import subprocess
    import sys
    import tomllib

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.startswith("onnx")]
    assert project["optional-dependencies"]["onnx"] == ["onnxruntime>=1.20"]
    for name in ("docker/requirements-lambda.txt", "gcp_function/requirements.txt",
                 "azure_function/requirements.txt"):
        assert "onnxruntime" not in (root / name).read_text(), name
    # Serving a TFLite model never imports onnxruntime (nor the ONNX modules of the core).
    child = ("import sys; from core.api.service import Service; Service().warm(); print(sorted("
             "m for m in sys.modules if m.startswith(('onnx', 'core.inference.onnx'))))")
    done = subprocess.run([sys.executable, "-c", child], cwd=root, capture_output=True,
                          text=True, timeout=120, check=True, env={"PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "[]"
