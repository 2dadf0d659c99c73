"""The project's packages import from the installed environment, from any directory: the
Makefile installs the checkout editable and pyproject lists every package."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", "benchmarks"}  # run from a checkout only


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def test_pyproject_lists_every_package_of_the_checkout() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    tops = [d for d in ROOT.iterdir() if d.is_dir() and (d / "__init__.py").is_file()
            and not d.name.startswith(".") and d.name not in NOT_SHIPPED]
    found = {path.parent.relative_to(ROOT).as_posix().replace("/", ".")
             for top in tops for path in top.rglob("__init__.py")}
    assert listed == found


def test_python_m_core_runs_from_another_directory(tmp_path: Path) -> None:
    found = run([sys.executable, "-c", "import core, convert, aws_lambda, gcp_function, "
                 "azure_function, models; print(core.__file__)"], tmp_path)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == ROOT / "core" / "__init__.py"
    info = run([sys.executable, "-m", "core", "info"], tmp_path)
    assert info.returncode == 0, info.stderr
    assert len(json.loads(info.stdout)["labels"]) == 10


def test_the_console_script_runs_the_cli(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "classifier"
    assert script.is_file(), "make installs the checkout with its console script"
    photo = ROOT / "samples" / "coat.jpg"
    result = run([str(script), "predict", str(photo), "--top-k", "1"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)) == ["outwear"]
    bad = run([str(script), "info", "--model", str(tmp_path / "none.tflite")], tmp_path)
    assert bad.returncode == 2 and "does not exist" in bad.stderr
