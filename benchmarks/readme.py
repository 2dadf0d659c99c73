"""Write generated results into the docs between a pair of markers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVERT_PAGE = ROOT / "docs" / "convert.md"
DOC_JSON = ROOT / "docs" / "data" / "bench.json"


def replace_section(text: str, start: str, end: str, path: Path) -> None:
    """Replace what stands between ``start`` and ``end`` in ``path`` with ``text``."""
    current = path.read_text(encoding="utf-8")
    if start not in current or end not in current:
        raise SystemExit(f"{path} lacks the {start} / {end} markers")
    head, rest = current.split(start, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")


def write_tables() -> None:
    """Regenerate the docs' tables (docs/performance.md reads ``DOC_JSON``)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gendocs.py")], check=True)
