"""A folder of test photos for ``classifier batch``, and the command run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import images

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def photo_set() -> dict[str, bytes]:
    """Relative path -> bytes: the two sample photos and generated images of every format."""
    found = {f"samples/{p.name}": p.read_bytes() for p in sorted(SAMPLES.glob("*.jpg"))}
    found.update({
        "gen/pattern-0.jpg": images.jpeg(seed=0), "gen/pattern-1.jpg": images.jpeg(seed=1),
        "gen/alpha.png": images.png_rgba(), "gen/cmyk.jpg": images.cmyk_jpeg(),
        "gen/rotated.jpg": images.exif_rotated_jpeg(), "gen/anim.gif": images.palette_gif(),
        "gen/deep.png": images.png16(), "gen/lossless.webp": images.webp(),
        "gen/plain.bmp": images.bmp(),
    })
    return found


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder (with a subfolder) of test photos."""
    folder = tmp_path / "photos"
    for name, data in photo_set().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def records(path: Path) -> list[dict[str, Any]]:
    """Every line of a results file, parsed (fails on a line that is not whole JSON)."""
    data = path.read_bytes()
    assert data.endswith(b"\n") or not data, "the last line is cut short"
    return [json.loads(line) for line in data.splitlines()]


def by_key(lines: list[dict[str, Any]], folder: Path | None = None
           ) -> dict[str, dict[str, Any]]:
    """Records by their source's URI (a file's: its path relative to ``folder``)."""
    base = None if folder is None else folder.resolve()
    return {(Path(line["source"]["uri"]).relative_to(base).as_posix() if base
             else line["source"]["uri"]): line for line in lines}


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child ``classifier``: this checkout's code first (a worktree's
    editable install points elsewhere), two model threads, no inherited LOG_LEVEL."""
    env = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    env.update(PYTHONPATH=str(ROOT), MODEL_THREADS="2", **extra)
    return env


def command(entry: str) -> list[str]:
    """``python -m core`` or the ``classifier`` console script of this interpreter."""
    if entry == "module":
        return [sys.executable, "-m", "core"]
    script = Path(sys.executable).parent / "classifier"
    assert script.exists() or shutil.which("classifier"), "the classifier script is installed"
    return [str(script if script.exists() else shutil.which("classifier"))]


def run(entry: str, *args: str, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``batch`` through ``entry`` to completion."""
    return subprocess.run([*command(entry), "batch", *args], cwd=ROOT, env=env or child_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)
