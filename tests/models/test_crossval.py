"""Fitting the temperature on cross-validated train scores (no ../shared needed): the folds, the
out-of-sample figures of the fit set, the command line, and the card's tables for both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from models.build import calibrate, calibration_docs, full, heldout
from models.build.evaluate import calibration_error
from tests.models.test_calibrate import draw_labels, numpy_softmax


def drawn(logits: NDArray[np.float64], t: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """Labels drawn from ``softmax(logits / t)``: scores with a known right temperature."""
    return draw_labels(numpy_softmax(logits, t), rng)


def grid_temperature(logits: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
    """The lowest-NLL temperature by brute force over a fine grid (independent of the fit)."""
    grid = np.arange(0.2, 3.0, 0.0005)
    z = logits[None, :, :] / grid[:, None, None]
    top = z.max(axis=2, keepdims=True)
    log_norm = np.log(np.exp(z - top).sum(axis=2)) + top[:, :, 0]
    nll = (log_norm - z[:, np.arange(len(labels)), labels]).mean(axis=1)
    return float(grid[int(np.argmin(nll))])


def test_stratified_folds_deal_every_class_out_evenly() -> None:
    labels = np.repeat(np.arange(4), [17, 5, 30, 2]).astype(np.int64)
    fold = heldout.stratified_folds(labels, 5, seed=0)
    assert fold.shape == labels.shape and set(fold.tolist()) == set(range(5))
    for label in range(4):
        counts = np.bincount(fold[labels == label], minlength=5)
        assert counts.max() - counts.min() <= 1 and counts.sum() == (labels == label).sum()
    assert np.array_equal(fold, heldout.stratified_folds(labels, 5, seed=0))
    assert not np.array_equal(fold, heldout.stratified_folds(labels, 5, seed=1))


def test_each_fold_is_cached_apart(tmp_path: Path) -> None:
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    names = {heldout._cache([photo], 0, full.CHOSEN, f"{i}of5").name for i in range(5)}
    names.add(heldout._cache([photo], 0, full.CHOSEN).name)
    assert len(names) == 6
    assert heldout._cache([photo], 0, full.CHOSEN, "0of5").name.startswith("crossval-0of5-")


def cross_validated(seed: int = 7) -> tuple[heldout.HeldOut, NDArray[np.float64]]:
    """Five folds of 400 scores each; fold 0's labels follow T = 0.5, the others' T = 1.5."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((2000, 5)) * 2.5
    folds = np.repeat(np.arange(5), 400).astype(np.int64)
    labels = np.where(folds == 0, drawn(logits, 0.5, rng), drawn(logits, 1.5, rng))
    scores = numpy_softmax(logits, 1.0).astype(np.float32)
    return heldout.HeldOut(scores, labels, folds), logits


def test_the_fit_set_scales_each_fold_by_the_other_folds_temperature() -> None:
    held, logits = cross_validated()
    logits = np.log(held.scores.astype(np.float64))  # what the step sees: log p
    fit = calibrate.fit_set(held, 1.0, folds=5)
    assert fit["folds"] == 5 and fit["images"] == 2000 and fit["trained_on"] == 0.8
    assert "5-fold cross-validation" in fit["set"]
    for index, t in enumerate(fit["fold_temperatures"]):
        others = held.folds != index
        assert t == pytest.approx(grid_temperature(logits[others], held.labels[others]),
                                  abs=1e-3)
    for index, t in enumerate(fit["own_fold_temperatures"]):
        inside = held.folds == index
        assert t == pytest.approx(grid_temperature(logits[inside], held.labels[inside]),
                                  abs=1e-3)
    assert fit["own_fold_temperatures"][0] < 0.7 < 1.2 < min(fit["own_fold_temperatures"][1:])
    # fold 0 is judged by the others' T (about 1.5) although its own labels follow 0.5
    assert fit["fold_temperatures"][0] > 1.2 and fit["fold_temperatures"][1] < 1.5
    scaled = np.concatenate([numpy_softmax(logits[held.folds == i], t)
                             for i, t in enumerate(fit["fold_temperatures"])])
    assert fit["after"]["ece"] == pytest.approx(
        calibration_error(scaled.astype(np.float32), held.labels), abs=1e-5)
    assert fit["before"]["ece"] == pytest.approx(calibration_error(held.scores, held.labels),
                                                 abs=1e-5)
    assert fit["top1_changed"] == 0
    assert fit["before"]["accuracy"] == fit["after"]["accuracy"]
    floor = fit["ece_of_a_calibrated_model"]
    assert floor["p5"] <= floor["median"] <= floor["p95"]


def test_the_single_hold_out_is_scaled_by_the_fitted_temperature() -> None:
    held, _ = cross_validated()
    part = heldout.HeldOut(held.scores[:400], held.labels[:400], np.zeros(400, dtype=np.int64))
    fit = calibrate.fit_set(part, 0.5, folds=None)
    assert fit["set"].startswith("held-out 15% of train") and fit["images"] == 400
    assert "fold_temperatures" not in fit
    scaled = numpy_softmax(np.log(part.scores.astype(np.float64)), 0.5)
    assert fit["after"]["ece"] == pytest.approx(
        calibration_error(scaled.astype(np.float32), part.labels), abs=1e-5)


@pytest.mark.parametrize("folds", ["1", "0", "-3"])
def test_fewer_than_two_folds_is_refused(folds: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        calibrate.main(["--folds", folds])
    assert raised.value.code == 2
    assert f"--folds must be at least 2, not {folds}" in capsys.readouterr().err


def test_the_help_names_both_ways_of_fitting(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        calibrate.main(["--help"])
    assert raised.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert ("--folds FOLDS fit on K-fold cross-validated train (K more trainings of the recipe) "
            "instead of one held-out 15% of it") in text


def record(fit: dict[str, Any]) -> dict[str, Any]:
    """A data file around ``fit``, with validation figures from random scores."""
    rng = np.random.default_rng(1)
    scores = rng.dirichlet(np.ones(5) * 0.3, 300).astype(np.float32)
    labels = rng.integers(0, 5, 300).astype(np.int64)
    data = calibrate.record(1.0, fit, scores, scores, labels)
    data["model"] = {"bytes_before": 10, "bytes_after": 10, "invoke_ratio": 1.0,
                     "invoke_rounds": 3, "invoke_ms_after": 1.0, "invoke_ms_before": 1.0}
    return data


def test_the_card_shows_the_set_the_temperature_was_fitted_on() -> None:
    held, _ = cross_validated()
    crossed = record(calibrate.fit_set(held, 1.0, folds=5))
    single = record(calibrate.fit_set(
        heldout.HeldOut(held.scores[:400], held.labels[:400], np.zeros(400, dtype=np.int64)),
        1.0, folds=None))
    text = calibration_docs.table(crossed)
    ece = next(line for line in text.splitlines() if "expected calibration error" in line)
    cells = [cell.strip(" *") for cell in ece.split("|")[2:6]]
    assert cells == [f"{part[when]['ece']:.3f}" for part in (crossed["validation"],
                     crossed["fit"]) for when in ("before", "after")]
    assert "cross-validated train (2,000 photos)" in text
    assert "each scored by a model that never saw it" in text
    single_text = calibration_docs.table(single)
    assert "held-out train (400 photos)" in single_text and "never saw it" not in single_text
    side = calibration_docs.side_by_side(crossed, single, ("five folds", "one"))
    assert "| 2,000 (5-fold cross-validation) | 400 (one held-out 15%) |" in side
    spread = [f"{min(crossed['fit'][k]):.3f} to {max(crossed['fit'][k]):.3f}"
              for k in ("fold_temperatures", "own_fold_temperatures")]
    assert f"| {spread[0]}; {spread[1]} | (one set) |" in side
