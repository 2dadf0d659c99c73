"""The cold-start waterfall: phases that add up to the whole process, drawn as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.cold_chart import draw, segments

RECORD: dict[str, Any] = {"date": "2026-01-01 00:00 UTC", "load": [1.0, 1.0, 1.0],
          "medians_ms": {"ours": {"init": 170.0, "answer": 180.0, "whole": 190.0},
                         "bare": {"init": 130.0, "answer": 150.0, "whole": 156.0}}}


def test_the_phases_end_at_the_whole_process() -> None:
    [(_, start), (init_at, init), (answer_at, answer)] = segments(RECORD["medians_ms"]["ours"])
    assert (start, init_at, init, answer_at) == (10.0, 10.0, 170.0, 180.0)
    assert answer_at + answer == 190.0


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    out = tmp_path / "cold.png"
    draw(RECORD, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
