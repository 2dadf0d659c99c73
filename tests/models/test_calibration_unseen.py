"""The figures on photos the model never saw, on scores drawn here: the "before" figures are
the unscaled model's, recovered from the scaled scores; "both" is the splits together; the
goal sentence follows the figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from models.build import calibration_unseen as unseen
from models.build.evaluate import calibration_error
from tests.models.test_calibrate import draw_labels
from tests.models.test_calibrate import numpy_softmax as softmax


@pytest.fixture(scope="module")
def drawn() -> tuple[dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]],
                     dict[str, NDArray[np.float64]]]:
    rng = np.random.default_rng(3)
    splits, logits = {}, {}
    for name, n in (("validation", 300), ("test", 500)):
        z = rng.standard_normal((n, 10)) * 2.5
        splits[name] = (softmax(z, 0.7), draw_labels(softmax(z, 0.7), rng))
        logits[name] = z
    return splits, logits


def test_before_is_the_unscaled_model_and_both_is_the_splits_together(drawn: tuple[
        dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]],
        dict[str, NDArray[np.float64]]]) -> None:
    splits, logits = drawn
    record = unseen.record(splits, "sha", 0.7)
    assert [p["set"] for p in record["sets"]] == ["validation", "test", "validation and test"]
    for part, name in zip(record["sets"], ("validation", "test"), strict=False):
        scores, labels = splits[name]
        unscaled = softmax(logits[name], 1.0)
        assert part["before"]["ece"] == pytest.approx(calibration_error(unscaled, labels),
                                                      abs=1e-6)
        assert part["after"]["ece"] == pytest.approx(calibration_error(scores, labels), abs=1e-6)
        assert part["before"]["mean_confidence"] == pytest.approx(unscaled.max(axis=1).mean(),
                                                                  abs=1e-6)
        assert part["top1_changed"] == 0 and part["images"] == len(labels)
    both = record["sets"][2]
    scores = np.concatenate([splits[k][0] for k in splits])
    labels = np.concatenate([splits[k][1] for k in splits])
    assert both["images"] == 800
    assert both["after"]["ece"] == pytest.approx(calibration_error(scores, labels), abs=1e-6)
    assert 0.0 <= both["ece_of_a_calibrated_model"]["at_least_observed"] <= 1.0
    # labels drawn from the scores themselves: the scaled scores are right on average
    assert both["after"]["ece"] < both["before"]["ece"]


def test_the_goal_sentence_follows_the_figure(drawn: tuple[
        dict[str, tuple[NDArray[np.float64], NDArray[np.int64]]],
        dict[str, NDArray[np.float64]]]) -> None:
    record = unseen.record(drawn[0], "sha", 0.7)
    ece = record["sets"][2]["after"]["ece"]
    record["goal"] = ece + 0.001
    assert f"the ECE after is {ece:.3f}: the goal of" in unseen.table(record)
    assert "is met." in unseen.table(record)
    record["goal"] = ece - 0.001
    assert "is not met." in unseen.table(record)
    assert unseen.table(record).count("\n|") == 8


def test_without_the_data_it_says_what_is_missing_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARED_DIR", str(tmp_path / "shared"))
    out = tmp_path / "figures.json"
    assert unseen.main(["--data", str(out), "--chart", str(tmp_path / "chart.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: missing build input: ") and "shared" in err
    assert "Traceback" not in err and not out.exists()
