"""`make bench-quick` ends with a line that reads as a smoke run, not as failed targets."""

from __future__ import annotations

from benchmarks.suite import closing_line

ROWS = [{"status": "PASS"}, {"status": "MISS"}, {"status": "MISS"}, {"status": "INFO"}]


def test_a_quick_run_judges_no_target() -> None:
    line = closing_line(ROWS, quick=True)
    assert line.startswith("quick run:") and "too few" in line and "make bench" in line
    assert "missed" not in line and "met" not in line


def test_a_full_run_counts_met_and_missed() -> None:
    line = closing_line(ROWS, quick=False)
    assert line.startswith("1 of 3 targets met, 2 missed (1 rows for information only)")
