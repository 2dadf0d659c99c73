"""The Makefile as a newcomer meets it: `make help` shows every
target, and the checks run before an install stop with one line naming what is missing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFLIGHT = ROOT / "scripts" / "preflight.sh"


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)


def phony_targets() -> set[str]:
    names: set[str] = set()
    for path in [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]:
        for line in path.read_text().splitlines():
            if line.startswith(".PHONY:"):
                names |= set(line.split(":", 1)[1].split())
    return names


def test_help_lists_every_target() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    listed = {line.split("\t")[0] for line in result.stdout.splitlines()}
    assert phony_targets() <= listed, phony_targets() - listed
    for name in ("check", "lint", "typecheck", "test-convert", "bench-convert", "try-url",
                 "install-gcp", "install-azure", "install-aws"):
        assert name in listed
    assert all("\t" in line and line.split("\t")[1].strip() for line in result.stdout.splitlines())


def test_make_test_checks_root_before_installing() -> None:
    lines = make("-n", "test", "VENV=build/no-such-venv").stdout.splitlines()
    assert lines[0] == "sh scripts/preflight.sh root-for-chromium"


@pytest.mark.parametrize("target", ["install-aws", "install-gcp", "install-azure",
                                    "install-convert", "install-onnx", "install-batch"])
def test_per_extra_installs(target: str) -> None:
    extra = target.removeprefix("install-")
    recipe = make("-n", target, "VENV=.venv-does-not-matter").stdout
    assert f'install -e ".[{extra}]"' in recipe
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert f"| `make {target}` |" in guide and f"pip install -e '.[{extra}]'` |" in guide


@pytest.mark.parametrize("target", ["docs", "docs-serve"])
def test_the_docs_site_installs_only_the_docs_extra(target: str) -> None:
    recipe = make("-n", target, "VENV=build/no-such-venv").stdout
    assert 'install -e ".[docs]"' in recipe
    assert "dev," not in recipe and ".dev-installed" not in recipe
    assert "mkdocs" in recipe


def fake_bin(tmp_path: Path, **scripts: str) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in scripts.items():
        path = directory / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return directory


def preflight(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": path} if path is not None else None
    return subprocess.run(["/bin/sh", str(PREFLIGHT), *args], capture_output=True, text=True,
                          timeout=60, check=False, env=env)


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr, result.stderr


def test_not_root_and_no_chromium_is_one_line(tmp_path: Path) -> None:
    bin_dir = fake_bin(tmp_path, id="echo 1000")  # PATH holds no chromium
    assert_one_line(preflight("root-for-chromium", path=str(bin_dir)), "root", "apt-get",
                    "chromium")


def test_root_or_chromium_passes(tmp_path: Path) -> None:
    assert preflight("root-for-chromium", path=str(fake_bin(tmp_path, id="echo 0"))
                     ).returncode == 0
    with_chromium = fake_bin(tmp_path / "c", id="echo 1000", chromium="exit 0")
    assert preflight("root-for-chromium", path=str(with_chromium)).returncode == 0


def test_a_python_without_venv_support_is_one_line(tmp_path: Path) -> None:
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "ensurepip.py").write_text("raise ImportError('removed, as Debian does')\n")
    bin_dir = fake_bin(tmp_path, python3=f'PYTHONPATH={stub} exec {sys.executable} "$@"')
    assert_one_line(preflight("venv", str(bin_dir / "python3")), "python3-venv", "apt-get")


def test_an_old_or_missing_python_is_one_line(tmp_path: Path) -> None:
    old = fake_bin(tmp_path, python3='case "$2" in *platform*) echo 3.9.2;; *) exit 1;; esac')
    assert_one_line(preflight("venv", str(old / "python3")), "3.9.2", "3.11")
    assert_one_line(preflight("venv", "no-such-python3"), "not found", "PYTHON=")


def test_a_python_that_does_not_run_is_one_line_without_circular_advice(tmp_path: Path) -> None:
    """A pyenv shim whose version is not installed: found on PATH, but it cannot run."""
    shim = fake_bin(tmp_path, **{"python3.12": 'echo "pyenv: python3.12: not installed" >&2; '
                                               "exit 127"})
    result = preflight("venv", str(shim / "python3.12"))
    assert_one_line(result, "does not run", "PYTHON=")
    assert "is Python ;" not in result.stderr and "PYTHON=python3.12" not in result.stderr


def test_every_help_line_is_whole() -> None:
    """A target's help is one line: a `## name: text` comment continued on the next line would
    be cut by `make help` at the end of the first."""
    for path in [ROOT / "Makefile", *sorted((ROOT / "mk").glob("*.mk"))]:
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines[:-1]):
            if re.match(r"^## [a-zA-Z_-]+: ", line):
                assert not lines[index + 1].startswith("## "), (path.name, line)
    shown = make("help").stdout
    assert "bench-convert\t" in shown and "writes\n" not in shown


def test_this_python_passes_the_venv_check() -> None:
    assert preflight("venv", sys.executable).returncode == 0


def test_the_venv_check_runs_before_the_venv_is_made() -> None:
    recipe = make("-n", "run", "VENV=build/no-such-venv").stdout.splitlines()
    assert re.match(r"sh scripts/preflight.sh venv \S+", recipe[0]), recipe
