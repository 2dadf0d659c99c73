"""Write generated results into README.md between a pair of markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def replace_section(text: str, start: str, end: str, path: Path = README) -> None:
    """Replace what stands between ``start`` and ``end`` in ``path`` with ``text``."""
    current = path.read_text(encoding="utf-8")
    if start not in current or end not in current:
        raise SystemExit(f"{path} lacks the {start} / {end} markers")
    head, rest = current.split(start, 1)
    path.write_text(f"{head}{start}\n{text}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")
