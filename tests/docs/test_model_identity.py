"""Where the docs quote the default model's version or sha256 (sample answers, log lines,
protocol responses), they quote the committed manifest's, so a rebuilt model cannot leave
stale figures behind. Measurement records (performance.md's "Measured ..." lines, docs/data)
name the model they measured and are not quotes of its identity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.docs.blocks import ROOT

MANIFEST = json.loads((ROOT / "models" / "clothing" / "model.json").read_text(encoding="utf-8"))
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
SHA = re.compile(r'\\?"sha256\\?": ?\\?"([0-9a-f]{8,64})(?:\.\.\.)?\\?"')
VERSION = re.compile(r'\\?"(?:model_)?version\\?": ?\\?"([^"\\]+)\\?"|"versions": ?\["([^"]+)"\]'
                     r"|manifest version \(`([^`]+)`\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_sha256s_are_the_committed_model_s(page: Path) -> None:
    for found in SHA.finditer(page.read_text(encoding="utf-8")):
        assert MANIFEST["sha256"].startswith(found[1]), f"{page.name}: {found[0]}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_versions_of_the_default_model_are_its_manifest_s(page: Path) -> None:
    for line in page.read_text(encoding="utf-8").splitlines():
        if MANIFEST["name"] not in line:
            continue
        for found in VERSION.finditer(line):
            quoted = next(group for group in found.groups() if group)
            assert quoted == MANIFEST["version"], f"{page.name}: {found[0]}"


def test_the_patterns_find_the_quotes() -> None:
    """The scans above see the quotes they are for (else they would pass on nothing)."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert len(SHA.findall(text)) >= 4
    quoted = [line for line in text.splitlines()
              if MANIFEST["name"] in line and VERSION.search(line)]
    assert len(quoted) >= 6
