"""The zip's bytecode is for the target Python whatever Python builds it, and docs/deploy-aws.md
quotes the sizes the build prints.

The PyPI build itself needs the network, so it is not run here: ``make bundle-aws`` records
the line it prints in docs/bundle-aws-sizes.json and this test holds docs/deploy-aws.md to that
record.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = ROOT / "docs" / "bundle-aws-sizes.json"
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def bundle_aws() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_aws", ROOT / "scripts" / "bundle_aws.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def staging(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 1\n")
    (tmp_path / "handler.py").write_text("def handle():\n    return 2\n")
    return tmp_path


def pycs(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pyc"))


def fake_python(directory: Path, name: str, reports: str) -> Path:
    """An executable that answers the version probe with ``reports``, like a shim would."""
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(f"#!/bin/sh\necho {reports}\n")
    path.chmod(0o755)
    return path


def test_this_interpreter_compiles_for_its_own_version(tmp_path: Path) -> None:
    root = staging(tmp_path / "s")
    assert bundle_aws().compile_bytecode(root, RUNNING) is True
    tag = sys.implementation.cache_tag
    assert {p.name for p in pycs(root)} == {f"__init__.{tag}.pyc", f"handler.{tag}.pyc"}
    header = (root / "__pycache__" / f"handler.{tag}.pyc").read_bytes()[4:8]
    assert int.from_bytes(header, "little") == 1  # hash-based, unchecked: zip timestamps moot


def test_another_version_is_compiled_by_that_versions_interpreter(tmp_path: Path) -> None:
    """Stand-in: the "other" interpreter is this machine's own Python under another path (no
    second version is installed here), run as a child process: the path a 3.11 machine takes
    to compile for 3.12 with BYTECODE_PYTHON."""
    other = tmp_path / "bin" / f"python{RUNNING}"
    other.parent.mkdir()
    other.symlink_to(Path(sys.executable).resolve())
    root = staging(tmp_path / "s")
    assert bundle_aws().compile_bytecode(root, RUNNING, str(other)) is True
    tag = sys.implementation.cache_tag
    assert {p.name for p in pycs(root)} == {f"__init__.{tag}.pyc", f"handler.{tag}.pyc"}
    header = (root / "__pycache__" / f"handler.{tag}.pyc").read_bytes()[4:8]
    assert int.from_bytes(header, "little") == 1


def test_without_an_interpreter_of_the_target_version_the_zip_says_sources_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake_python(tmp_path / "bin", "python3.99", RUNNING)  # a shim that is really RUNNING
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    module = bundle_aws()
    assert module.target_interpreter("3.99") is None
    root = staging(tmp_path / "s")
    assert module.compile_bytecode(root, "3.99") is False
    assert pycs(root) == []
    note = capsys.readouterr().err
    assert "no bytecode" in note and "BYTECODE_PYTHON" in note and "3.99" in note


def test_a_wrong_explicit_interpreter_is_an_error(tmp_path: Path) -> None:
    wrong = fake_python(tmp_path / "bin", "python3.99", RUNNING)
    with pytest.raises(SystemExit, match=r"is not Python 3\.99"):
        bundle_aws().target_interpreter("3.99", str(wrong))


def test_an_interpreter_found_on_path_is_used_when_its_version_matches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "bin" / "python3.99"
    real.parent.mkdir()
    real.write_text("#!/bin/sh\necho 3.99\n")  # answers the probe as a 3.99 would
    real.chmod(0o755)
    monkeypatch.setenv("PATH", str(real.parent))
    module = bundle_aws()
    assert module.target_interpreter(RUNNING) == sys.executable  # this one first
    assert module.target_interpreter("3.99") == str(real)


def test_the_docs_quote_the_sizes_the_build_printed() -> None:
    recorded: dict[str, str] = json.loads(SIZES.read_text())
    readme = (ROOT / "docs" / "deploy-aws.md").read_text()
    for key, printed in recorded.items():
        assert re.fullmatch(r"[\d.]+ MiB zipped, [\d.]+ MiB unzipped, (bytecode for Python "
                            r"3\.\d+|no bytecode) \(limit 250 MiB\)", printed), printed
        assert f"{key}: {printed}" in readme, f"docs/deploy-aws.md does not quote {key}: {printed}"
    assert "x86_64 python3.12" in recorded and "arm64 python3.12" in recorded


def test_the_printed_line_is_the_recorded_format(tmp_path: Path) -> None:
    module = bundle_aws()
    line = module.size_line(Path("build/aws_lambda.zip"), 37 * 2**20, 110 * 2**20, "3.12")
    assert line == ("build/aws_lambda.zip: 37.0 MiB zipped, 110.0 MiB unzipped, bytecode for "
                    "Python 3.12 (limit 250 MiB)")
    module.record(tmp_path / "sizes.json", "x86_64 python3.12", line)
    assert json.loads((tmp_path / "sizes.json").read_text()) == {
        "x86_64 python3.12": line.split(": ", 1)[1]}
