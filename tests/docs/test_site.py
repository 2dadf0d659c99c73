"""The docs site builds with ``mkdocs build --strict``: no broken link, page or anchor."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import yaml  # mkdocs' own dependency

from tests.docs.blocks import ROOT

MKDOCS = Path(sys.executable).parent / "mkdocs"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


class _Loader(yaml.SafeLoader):
    """mkdocs.yml names a Python function (the mermaid fence); the nav is all we read."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "index.html").exists()
    assert (tmp_path / "architecture" / "index.html").exists()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strictness the CI relies on: a link to a missing anchor stops the build."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[gone](api.md#no-such-anchor)\n")
    (docs / "api.md").write_text("# API\n\n## Errors\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nstrict: true\nvalidation:\n  anchors: warn\n")
    done = subprocess.run([str(MKDOCS), "build", "--strict", "-f", str(config),
                           "--site-dir", str(tmp_path / "site")], cwd=tmp_path, env=ENV,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "no-such-anchor" in done.stderr


def test_every_page_is_in_the_nav() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)

    def pages(entries: list[object]) -> set[str]:
        found: set[str] = set()
        for entry in entries:
            assert isinstance(entry, dict)
            for value in entry.values():
                found |= pages(value) if isinstance(value, list) else {str(value)}
        return found

    on_disk = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert pages(config["nav"]) == on_disk


def test_no_page_repeats_a_paragraph_or_keeps_a_cut_copy() -> None:
    """Each paragraph of prose once: no exact repeat, and no cut-off copy left before its whole."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        prose = [p for p in paragraphs if p[:1].isalpha() and len(p) > 60]
        for first, second in itertools.pairwise(prose):
            assert not second.startswith(first), (page.name, first[:80])
        assert len(prose) == len(set(prose)), page.name
