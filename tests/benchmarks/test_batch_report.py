"""The batch throughput's docs: the estimates follow from ms per image, the figure is SVG with
a dot per run, and the bench reads the rate from the summary line the command really prints."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from benchmarks import batch_report
from benchmarks.batch_throughput import SUMMARY
from core.api.service import Service
from core.batch.command import Options, run_batch
from tests import images

RECORD: dict[str, Any] = {
    "measured": "2026-01-01 00:00 UTC", "photos": 10, "rounds": 3, "workers": 2,
    "model_threads": 2, "model": "m", "cpus": 2, "load_before": [1.0, 1.0, 1.0],
    "load_after": [1.0, 1.0, 1.0], "runs": {"ours": [40.0, 50.0, 45.0], "bare": [50.0, 50.0, 50.0]},
    "ratios": [0.8, 1.0, 0.9], "median": {"ours": 45.0, "bare": 50.0}, "ratio_of_medians": 0.9,
    "median_ratio": 0.9, "ms_per_image": 20.0}


def test_images_per_hour_are_concurrency_times_what_one_instance_does() -> None:
    text = batch_report.estimates(RECORD)
    rows = {int(m[1]): (int(m[2].replace(",", "")), m[3])
            for m in re.finditer(r"^\| (\d+) \| ([\d,]+) \| ([^|]+) \|$", text, re.M)}
    assert rows[1] == (180_000, "33.3 min")  # 3600 s / 20 ms; 100,000 photos / 180,000 an hour
    assert rows[10][0] == 1_800_000 and rows[1000] == (180_000_000, "2 s")
    assert "AWS Lambda" in text and "$" in text


def test_the_results_name_the_ratio_and_the_load() -> None:
    text = batch_report.results(RECORD)
    assert "**0.90x**" in text and "load average" in text and "2026-01-01 00:00 UTC" in text


def test_the_figure_is_svg_with_a_dot_per_run() -> None:
    root = ET.fromstring(batch_report.svg(RECORD))
    circles = root.findall("{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 6


def test_the_bench_reads_the_rate_from_the_commands_summary(
        service: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(images.jpeg())
    run_batch(service.pipeline, Options(str(folder), tmp_path / "r.jsonl", progress=False))
    match = SUMMARY.search(capsys.readouterr().err)
    assert match and match.group(1) == "1" and match.group(2) == "0"
    assert float(match.group(3)) > 0
