"""The shell blocks of the docs that are marked runnable (``<!-- runnable -->``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
_MARK = re.compile(r"^<!-- runnable(?::\s*(?P<kind>[a-z]+))? -->\s*$")
_FENCE = re.compile(r"^```(?P<lang>[a-z]*)\s*$")


@dataclass(frozen=True)
class Block:
    """One runnable block: where it is, what it needs, its commands."""

    page: str
    line: int
    kind: str  # "" or "server"
    code: str

    @property
    def id(self) -> str:
        """A short test id: page and line."""
        return f"{self.page}:{self.line}"


def runnable_blocks() -> list[Block]:
    """Every block marked runnable, in page order."""
    blocks = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            mark = _MARK.match(line)
            if not mark:
                continue
            fence = _FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
            if fence is None or fence["lang"] not in ("sh", "bash", "console", ""):
                raise AssertionError(f"{page.name}:{i + 1}: a runnable mark must precede a "
                                     "```sh block")
            end = next(j for j in range(i + 2, len(lines)) if lines[j].startswith("```"))
            blocks.append(Block(str(page.relative_to(ROOT)), i + 2, mark["kind"] or "",
                                "\n".join(lines[i + 2:end])))
    return blocks
