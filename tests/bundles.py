"""Helpers shared by the GCP and Azure bundle tests."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

from tests import images
from tests.conftest import ROOT


def load_bundler() -> ModuleType:
    """``scripts/bundle.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bundle", ROOT / "scripts" / "bundle.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def listing(root: Path) -> list[str]:
    """Every file under ``root``, relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def answer_from_clean_directory(bundle: Path, child: str, tmp_path: Path) -> None:
    """Run ``child`` in the bundle under ``python -I -S`` (the bundle and the third-party
    packages on the path, not the repository) and check its prediction and health answers."""
    image = tmp_path / "photo.jpg"
    image.write_bytes(images.jpeg())
    site = sysconfig.get_paths()["purelib"]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", child, str(image), str(bundle), site],
        cwd=bundle, env={"PATH": "/usr/bin:/bin", "MODEL_THREADS": "1"},
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(answer["core"]).is_relative_to(bundle)
    assert answer["status"] == 200 and answer["health"] == 200
    assert answer["body"] and all(isinstance(v, float) for v in answer["body"].values())


def run_in_bundle(bundle: Path, child: str, env: dict[str, str]) -> Any:
    """The last stdout line (JSON) of ``child`` run in the bundle as above, with ``env``."""
    site = sysconfig.get_paths()["purelib"]
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", child, "", str(bundle), site],
        cwd=bundle, env={"PATH": "/usr/bin:/bin", "MODEL_THREADS": "1", **env},
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def requirement_lines(bundle: Path) -> list[str]:
    """The bundle's requirements.txt, without comments and blank lines."""
    text = (bundle / "requirements.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]
