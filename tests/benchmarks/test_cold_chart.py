"""The cold-start waterfall: phases that add up to the whole process, drawn as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.cold_chart import draw, markdown, segments

OURS = {"init": 170.0, "answer": 180.0, "whole": 190.0, "cpu": 150.0}
BARE = {"init": 130.0, "answer": 150.0, "whole": 156.0, "cpu": 120.0}
RECORD: dict[str, Any] = {
    "date": "2026-01-01 00:00 UTC", "load": [1.0, 1.0, 1.0], "cpus": 2, "runs": 9,
    "python": "python3.11",
    "medians_ms": {"default": {"ours": OURS, "bare": BARE},
                   "xception": {"ours": {**OURS, "whole": 1900.0}, "bare": BARE}},
    "verdicts": {"default": {"over_bare_ms": 34.0, "ratio": 1.218, "cpu_over_bare_ms": 30.0,
                             "goal": "bare + 20 ms", "met": False},
                 "xception": {"over_bare_ms": 1744.0, "ratio": 12.18, "cpu_over_bare_ms": 30.0,
                              "goal": "bare + 5 %", "met": False}}}


def test_the_phases_end_at_the_whole_process() -> None:
    [(_, start), (init_at, init), (answer_at, answer)] = segments(OURS)
    assert (start, init_at, init, answer_at) == (10.0, 10.0, 170.0, 180.0)
    assert answer_at + answer == 190.0


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    out = tmp_path / "cold.png"
    draw(RECORD, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_table_has_a_row_per_model_with_its_verdict() -> None:
    table = markdown(RECORD).splitlines()
    [default] = [row for row in table if row.startswith("| default model")]
    assert "170 / 180 / 190 ms" in default and "+34.0 ms" in default and "NOT met" in default
    assert sum(row.startswith("| ") for row in table) == 3  # header and two models
