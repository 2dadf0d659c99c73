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
from tests.docs.test_tables import GENDOCS

DATA: dict[str, Any] = json.loads((ROOT / "docs" / "data" / "calibration.json").read_text())
PAGES = (ROOT / "models" / "README.md", ROOT / "docs" / "models.md")


def block(page: str, name: str = "calibration") -> str:
    """The generated text between the page's ``gen:<name>`` markers."""
    found = re.search(rf"<!-- gen:{name}:start -->\n(.*?)\n<!-- gen:{name}:end -->", page, re.S)
    assert found is not None
    return found[1]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_the_card_s_figures_are_the_data_file_s(path: Any) -> None:
    text = block(path.read_text(encoding="utf-8"))
    assert text == calibration_docs.table(DATA)
    val = DATA["validation"]
    row = next(line for line in text.splitlines() if "expected calibration error" in line)
    cells = [cell.strip(" *") for cell in row.split("|")[2:6]]
    assert cells == [f"{part[when]['ece']:.3f}" for part in (val, DATA["fit"])
                     for when in ("before", "after")]
    assert "15 equal-width bins" in row
    assert f"T = {DATA['temperature']:.3f}" in text
    assert "reliability.png" in path.read_text(encoding="utf-8")
    reach = val["any_temperature"]
    assert f"lowest validation ECE is {reach['lowest_ece']['ece']:.3f}" in text
    assert reach["lowest_ece"]["ece"] <= val["after"]["ece"]


CROSSVAL: dict[str, Any] = json.loads(calibration_docs.CROSSVAL_DATA.read_text())


@pytest.mark.parametrize("record", [DATA, CROSSVAL], ids=["shipped", "crossval"])
@pytest.mark.parametrize("split", ["fit", "validation"])
def test_the_data_file_is_consistent(record: dict[str, Any], split: str) -> None:
    part = record[split]
    for when in ("before", "after"):
        figures = part[when]
        bins = figures["bins"]
        assert len(bins) == record["bins"] == 15
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
    assert f"{MARK} {DATA['temperature']:.4f} (fitted on held-out train)" in manifest[
        "description"]
    assert DATA["fit"]["top1_changed"] == 0 and "folds" not in DATA["fit"]
    assert DATA["validation"]["top1_changed"] == 0
    val = DATA["validation"]
    assert val["after"]["ece"] < val["before"]["ece"] / 2


@pytest.mark.parametrize("name", ["reliability.png", "reliability-crossval.png"])
def test_the_reliability_diagrams_are_pngs_the_card_shows(name: str) -> None:
    assert (ROOT / "docs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"../docs/{name}" in (ROOT / "models" / "README.md").read_text(encoding="utf-8")


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


def test_the_cross_validated_temperature_is_the_shipped_model_s_and_the_card_quotes_it() -> None:
    """The experiment scaled the same unscaled model (same sha256 before), all of train in
    five folds, and the card's comparison is generated from both files."""
    fit = CROSSVAL["fit"]
    assert CROSSVAL["model"]["sha256_before"] == DATA["model"]["sha256_before"]
    assert CROSSVAL["model"]["sha256_after"] != DATA["model"]["sha256_after"]
    assert fit["folds"] == len(fit["fold_temperatures"]) == len(fit["own_fold_temperatures"]) == 5
    assert fit["images"] == 3068 and fit["trained_on"] == 0.8 and fit["top1_changed"] == 0
    assert CROSSVAL["validation"]["before"] == DATA["validation"]["before"]
    text = block((ROOT / "models" / "README.md").read_text(encoding="utf-8"), "crossval")
    assert text == calibration_docs.side_by_side(DATA, CROSSVAL, GENDOCS.CROSSVAL_NAMES)
    assert f"| {fit['before']['ece']:.3f} -> {fit['after']['ece']:.3f} |" in text


def test_the_richer_maps_were_fitted_beside_the_shipped_temperature_and_the_card_quotes_them(
) -> None:
    """The experiment scored the committed model; its temperature refitted on the same held-out
    scores is the shipped one and reads the shipped figures on validation; no map moved a
    top-1 class; the card's table is generated from the file."""
    from models.build import calibration_richer

    record = json.loads(calibration_richer.DATA.read_text(encoding="utf-8"))
    assert record["model"] == {"sha256": DATA["model"]["sha256_after"],
                               "temperature": DATA["temperature"]}
    held, crossed = record["fits"]
    plain = held["calibrators"]["temperature"]
    assert plain["parameters"]["T"] == pytest.approx(DATA["temperature"], abs=1e-5)
    assert plain["validation"]["ece"] == pytest.approx(DATA["validation"]["after"]["ece"], abs=1e-5)
    assert record["validation"]["shipped"]["ece"] == DATA["validation"]["after"]["ece"]
    assert crossed["calibrators"]["temperature"]["parameters"]["T"] == pytest.approx(
        CROSSVAL["temperature"], abs=1e-5)
    assert (held["images"], crossed["images"]) == (DATA["fit"]["images"], 3068)
    for part in record["fits"]:
        for figures in part["calibrators"].values():
            assert figures["validation"]["top1_changed"] == figures["fit_set"]["top1_changed"] == 0
    card = (ROOT / "models" / "README.md").read_text(encoding="utf-8")
    assert block(card, "richer") == calibration_richer.table(record)


def test_the_unseen_figures_are_the_committed_model_s_and_the_card_quotes_them() -> None:
    """Validation and the test split were scored by the committed model with its own
    temperature; validation reads what the calibration step read from the unscaled model
    directly; "both" is the two splits' photos together, bin by bin; both pages quote the
    file, and the goal sentence says what the file says."""
    from models.build import calibration_unseen, testsplit

    record = json.loads(calibration_unseen.DATA.read_text(encoding="utf-8"))
    assert record["model"] == {"sha256": DATA["model"]["sha256_after"],
                               "temperature": DATA["temperature"]}
    assert record["test_split"] == {"repository": testsplit.REPOSITORY,
                                    "commit": testsplit.COMMIT, "tree": testsplit.TREE}
    val, test, both = record["sets"]
    assert [p["set"] for p in record["sets"]] == ["validation", "test", "validation and test"]
    assert (val["images"], test["images"], both["images"]) == (341, 372, 713)
    for when in ("before", "after"):
        assert val[when]["ece"] == pytest.approx(DATA["validation"][when]["ece"], abs=1e-5)
        for index, row in enumerate(both[when]["bins"]):
            parts = [p[when]["bins"][index] for p in (val, test)]
            assert row["count"] == sum(p["count"] for p in parts)
            if row["count"]:
                right = sum(p["count"] * p["accuracy"] for p in parts)
                assert row["accuracy"] == pytest.approx(right / row["count"], abs=1e-5)
    for part in record["sets"]:
        assert part["top1_changed"] == 0
        assert part["before"]["accuracy"] == part["after"]["accuracy"]
        bins = part["after"]["bins"]
        ece = sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in bins) / part["images"]
        assert ece == pytest.approx(part["after"]["ece"], abs=1e-5)
    verdict = "met" if both["after"]["ece"] <= record["goal"] == 0.03 else "not met"
    for path in PAGES:
        page = path.read_text(encoding="utf-8")
        text = block(page, "unseen")
        assert text == calibration_unseen.table(record)
        assert f"the ECE after is {both['after']['ece']:.3f}: the goal of 0.03 or less is " \
               f"{verdict}." in text
        assert "reliability-unseen.png" in page
    assert (ROOT / "docs" / "reliability-unseen.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
