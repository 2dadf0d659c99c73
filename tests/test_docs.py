"""Documentation checks for what a newcomer reads first: README's first commands and
docs/getting-started.md name real targets, settings and paths, and quote real output."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from core.cli import main
from core.config import Settings, env_name

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")


def make_targets() -> set[str]:
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return {line.split("\t")[0] for line in out.splitlines()}


def code_of(markdown: str) -> str:
    """Fenced blocks and `inline code`: where commands are written."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", markdown, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", markdown, flags=re.S))
    return "\n".join(fenced + inline)


def test_every_make_target_the_docs_name_exists() -> None:
    words = {word for text in (README, GUIDE)
             for group in re.findall(r"\bmake((?: +[a-z][a-z0-9-]*)+)", code_of(text))
             for word in group.split()}
    assert {"run", "try-url", "install-gcp", "bundle-azure", "evaluate"} <= words
    assert not words - make_targets(), words - make_targets()


def test_the_licence_file_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == {"text": "MIT"}
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence


def test_readme_first_section_says_how_to_start() -> None:
    first = README.split("\n## ", 1)[0]
    for needle in ("make run", "PORT=", "make try-url", "make help", "root", "python3-venv",
                   ".venv/bin/python -m core", "docs/getting-started.md"):
        assert needle in first, needle


def test_the_guide_covers_each_newcomer_question() -> None:
    for needle in (".venv/bin/python -m core", ". .venv/bin/activate", "classifier",
                   "URL_ALLOWLIST=127.0.0.1/32 ALLOWED_PORTS=8000", "install-gcp",
                   "install-azure", "func start", "local.settings.json", "--force", "--labels",
                   "BYTECODE_PYTHON", "alexeygrigorev/clothing-dataset-small", "SHARED_DIR",
                   "bench-quick", "PORT=8081 make run"):
        assert needle in GUIDE, needle


def test_the_local_settings_example_is_valid_and_names_real_settings() -> None:
    block = re.search(r"<<'JSON'\n(.*?)\nJSON\n", GUIDE, re.S)
    assert block is not None
    values = json.loads(block[1])["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    ours = {env_name(f) for f in Settings.__dataclass_fields__} | {"AZURE_AUTH_LEVEL"}
    host = {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"}
    assert set(values) - host <= ours


def test_the_data_layout_is_the_one_the_code_reads() -> None:
    from benchmarks import common
    from models.build import features

    source = (ROOT / "benchmarks" / "common.py").read_text()
    assert '"data" / "clothing-dataset-small" / "validation"' in source
    assert common.shared_dir.__doc__ and "SHARED_DIR" in common.shared_dir.__doc__
    default = features.BACKBONES["mobilenet_v2_tf2"].file
    assert f"    ├── {default}" in GUIDE
    for path in ("data/clothing-dataset-small/", "train/<class>/*.jpg",
                 "validation/<class>/*.jpg"):
        assert path in GUIDE, path
    assert "alexeygrigorev/clothing-dataset-small" in README


def test_the_quoted_cli_error_is_what_the_cli_prints(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    quoted = re.search(r"\$ MODEL_NORMALIZATION=foo \.venv/bin/python -m core predict "
                       r"samples/coat\.jpg\n(error: .*)\n", GUIDE)
    assert quoted is not None
    monkeypatch.setenv("MODEL_NORMALIZATION", "foo")
    assert main(["predict", str(ROOT / "samples" / "coat.jpg")]) == 2
    assert capsys.readouterr().err.strip() == quoted[1]
