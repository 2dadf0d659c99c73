"""The default model's calibration figures: the card quotes the data file, the data file
describes the committed model, and the docs' quoted answers are what the model answers."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np
import pytest

from models.build import calibration_docs, examples
from models.build.calibrate import MARK
from tests.docs.blocks import ROOT

DATA: dict[str, Any] = json.loads((ROOT / "docs" / "data" / "calibration.json").read_text())
PAGES = (ROOT / "models" / "README.md", ROOT / "docs" / "models.md")


def block(page: str) -> str:
    found = re.search(r"<!-- gen:calibration:start -->\n(.*?)\n<!-- gen:calibration:end -->",
                      page, re.S)
    assert found is not None
    return found[1]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_the_card_s_figures_are_the_data_file_s(path: Any) -> None:
    text = block(path.read_text(encoding="utf-8"))
    assert text == calibration_docs.table(DATA)
    val = DATA["validation"]
    row = next(line for line in text.splitlines() if "expected calibration error" in line)
    cells = [cell.strip(" *") for cell in row.split("|")[2:4]]
    assert cells == [f"{val['before']['ece']:.3f}", f"{val['after']['ece']:.3f}"]
    assert "15 equal-width bins" in row
    assert f"T = {DATA['temperature']:.3f}" in text
    assert "reliability.png" in path.read_text(encoding="utf-8")
    reach = val["any_temperature"]
    assert f"lowest validation ECE is {reach['lowest_ece']['ece']:.3f}" in text
    assert reach["lowest_ece"]["ece"] <= val["after"]["ece"]


@pytest.mark.parametrize("split", ["fit", "validation"])
def test_the_data_file_is_consistent(split: str) -> None:
    part = DATA[split]
    for when in ("before", "after"):
        figures = part[when]
        bins = figures["bins"]
        assert len(bins) == DATA["bins"] == 15
        assert sum(b["count"] for b in bins) == part["images"]
        ece = sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in bins) / part["images"]
        assert ece == pytest.approx(figures["ece"], abs=1e-5)
        for index, b in enumerate(bins):
            if b["count"]:
                assert index / 15 < b["confidence"] <= (index + 1) / 15 + 1e-9
    assert part["before"]["accuracy"] == part["after"]["accuracy"]


def test_the_data_file_describes_the_committed_model() -> None:
    manifest = json.loads((ROOT / "models" / "clothing" / "model.json").read_text())
    blob = (ROOT / "models" / "clothing" / manifest["file"]).read_bytes()
    assert hashlib.sha256(blob).hexdigest() == manifest["sha256"] == DATA["model"]["sha256_after"]
    assert len(blob) == DATA["model"]["bytes_after"] == DATA["model"]["bytes_before"]
    assert f"{MARK} {DATA['temperature']:.4f}" in manifest["description"]
    assert DATA["validation"]["top1_changed"] == 0
    val = DATA["validation"]
    assert val["after"]["ece"] < val["before"]["ece"] / 2


def test_the_reliability_diagram_is_a_png() -> None:
    assert (ROOT / "docs" / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quoted_answers_are_the_model_s() -> None:
    coat = examples.answer("coat.jpg")
    assert len(coat) == 10 and abs(sum(coat.values()) - 1.0) < 1e-4
    quoted = 0
    for page in examples.PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        assert examples.rewrite(text) == text, page
        quoted += sum(1 for line in text.splitlines()
                      if (pair := examples.PAIR.search(line)) and pair[2] == next(iter(coat)))
    assert quoted >= 5
    # the rewrite replaces a stale score with the model's own
    stale = '`{"outwear": 0.111111, "longsleeve": 0.222222, ...}`'
    fresh = examples.rewrite(stale)
    assert fresh == f'`{{"outwear": {coat["outwear"]}, "longsleeve": {coat["longsleeve"]}, ...}}`'
    assert np.isclose(sum(examples.answer("astronaut.jpg").values()), 1.0, atol=1e-4)
