"""Richer top-1-preserving calibration maps (no ../shared needed): each keeps the top-1 class,
reduces to a NumPy reference at its edges, recovers the parameters labels were drawn with, is
cross-fitted without its own fold, and the experiment's table says what its record holds."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.typing import NDArray

from models.build import calibration_richer as richer
from models.build import calibrators as cal
from models.build import heldout
from models.build import temperature as temp
from tests.models.test_calibrate import draw_labels, numpy_softmax

COARSE = cal.Grid(weight_step=0.05, t0_step=0.05, k_step=0.1)


def margin_reference(z: NDArray[np.float64], t0: float, k: float) -> NDArray[np.float64]:
    """Row by row, with the top two logits found by a plain loop."""
    out = np.zeros_like(z)
    for i, row in enumerate(z):
        first = int(np.argmax(row))
        second = max(row[j] for j in range(len(row)) if j != first)
        out[i] = numpy_softmax(row[None, :], t0 + k / (1.0 + row[first] - second))[0]
    return out


# Parameters at and near the edges of each family's grid.
EDGES: dict[str, list[tuple[float, ...]]] = {
    "temperature": [(0.3,), (2.0,)],
    "ensemble": [(0.5, 0.3, 0.6), (1.5, 0.0, 0.99), (0.7, 0.99, 0.0)],
    "margin": [(0.2, 2.0), (1.1, -0.5), (0.6, 0.12)]}


@pytest.mark.parametrize("family", sorted(cal.FAMILIES))
def test_every_map_keeps_the_top1_class_and_sums_to_one(family: str) -> None:
    rng = np.random.default_rng(1)
    z = rng.standard_normal((500, 10)) * 3.0
    for p in EDGES[family]:
        out = cal.FAMILIES[family](z, p)
        assert np.array_equal(out.argmax(axis=1), z.argmax(axis=1)), p
        assert np.allclose(out.sum(axis=1), 1.0) and (out >= 0).all()


def test_the_maps_match_references_at_their_edges_and_in_between() -> None:
    rng = np.random.default_rng(2)
    z = rng.standard_normal((50, 10)) * 2.0
    assert np.allclose(cal.ensemble(z, (0.7, 0.0, 0.0)), numpy_softmax(z, 0.7))
    assert np.allclose(cal.ensemble(z, (0.7, 0.0, 1.0)), 0.1)
    mixed = 0.5 * numpy_softmax(z, 0.7) + 0.2 * numpy_softmax(z, 1.0) + 0.3 / 10
    assert np.allclose(cal.ensemble(z, (0.7, 0.2, 0.3)), mixed)
    assert np.allclose(cal.margin(z, (0.8, 0.0)), numpy_softmax(z, 0.8))
    assert np.allclose(cal.margin(z, (0.4, 0.9)), margin_reference(z, 0.4, 0.9))
    assert np.allclose(cal.scaled(z, (1.3,)), numpy_softmax(z, 1.3))


def test_fits_recover_the_map_the_labels_were_drawn_with() -> None:
    rng = np.random.default_rng(3)
    z = rng.standard_normal((20000, 10)) * 3.0
    plain = draw_labels(numpy_softmax(z, 0.7), rng)
    t, w2, w3 = cal.fit("ensemble", z, plain, COARSE)
    assert t == pytest.approx(0.7, rel=0.05) and w2 <= 0.05 and w3 <= 0.05
    assert cal.fit("margin", z, plain, COARSE) == pytest.approx((0.7, 0.0), abs=0.06)

    hesitant = draw_labels(margin_reference(z, 0.5, 1.0), rng)
    t0, k = cal.fit("margin", z, hesitant, COARSE)
    assert t0 == pytest.approx(0.5, abs=0.1) and k == pytest.approx(1.0, abs=0.25)
    fitted_t = temp.fit(z, hesitant)
    assert cal.nll(cal.margin(z, (t0, k)), hesitant) < temp.nll(z, hesitant, fitted_t) - 0.005

    noisy = draw_labels(0.7 * numpy_softmax(z, 0.5) + 0.3 / 10, rng)
    t, w2, w3 = cal.fit("ensemble", z, noisy, COARSE)
    assert w3 >= 0.15
    assert cal.nll(cal.ensemble(z, (t, w2, w3)), noisy) < temp.nll(z, noisy, t) - 0.01


def test_cross_fitting_never_reads_the_fold_it_maps() -> None:
    rng = np.random.default_rng(4)
    z = rng.standard_normal((1000, 10)) * 3.0
    labels = draw_labels(numpy_softmax(z, 0.6), rng)
    folds = np.repeat(np.arange(4), 250).astype(np.int64)
    for family in cal.FAMILIES:
        out, fitted = cal.cross_fitted(family, z, labels, folds, COARSE)
        scrambled = labels.copy()
        scrambled[folds == 0] = rng.integers(0, 10, 250)  # fold 0's own labels, ruined
        again, _ = cal.cross_fitted(family, z, scrambled, folds, COARSE)
        assert np.array_equal(out[folds == 0], again[folds == 0]), family
        assert not np.array_equal(out[folds == 1], again[folds == 1]), family
        own = cal.fit(family, z[folds != 2], labels[folds != 2], COARSE)
        assert np.allclose(out[folds == 2], cal.FAMILIES[family](z[folds == 2], own))
        assert fitted[2] == own and len(fitted) == 4


def test_an_unknown_family_is_named() -> None:
    with pytest.raises(ValueError, match=r"'platt'.*temperature, ensemble, margin"):
        cal.fit("platt", np.zeros((2, 3)), np.zeros(2, dtype=np.int64))


def test_the_sampling_floor_reports_how_often_chance_reads_the_observed_ece() -> None:
    rng = np.random.default_rng(5)
    scores = numpy_softmax(rng.standard_normal((300, 10)) * 2.0, 1.0)
    shares = [temp.sampling_floor(scores, draws=200, observed=x)["at_least_observed"]
              for x in (0.0, 0.02, 0.05, 1.0)]
    assert shares[0] == 1.0 and shares[-1] == 0.0
    assert shares == sorted(shares, reverse=True)
    floor = temp.sampling_floor(scores, draws=200, observed=0.0)
    assert floor["median"] > 0.0 and "at_least_observed" not in temp.sampling_floor(scores, 20)


def test_the_experiment_s_table_is_its_record() -> None:
    rng = np.random.default_rng(6)
    z = rng.standard_normal((400, 10)) * 3.0
    labels = draw_labels(numpy_softmax(z, 0.6), rng)
    held = heldout.HeldOut(numpy_softmax(z[:300], 1.0).astype(np.float32), labels[:300],
                           np.zeros(300, dtype=np.int64))
    folds = heldout.stratified_folds(held.labels, 3, 0)
    part = richer.fit_set("tiny set", held, folds, z[300:], labels[300:], COARSE)
    shipped = numpy_softmax(z[300:], 0.6)
    data = richer.record([part, part], shipped, labels[300:], "0" * 64, 0.6)
    text = richer.table(data)
    rows = [line for line in text.splitlines() if line.startswith("| tiny set (300 photos)")]
    assert len(rows) == 2 * len(cal.FAMILIES)
    for family, figures in part["calibrators"].items():
        assert figures["validation"]["top1_changed"] == 0
        assert figures["fit_set"]["top1_changed"] == 0
        val = figures["validation"]
        assert f"| {val['ece']:.3f} / {val['nll']:.3f} | 0 |" in text, family
        expected = temp.reliability(cal.FAMILIES[family](z[300:], tuple(
            figures["parameters"].values())), labels[300:])["ece"]
        assert val["ece"] == pytest.approx(expected, abs=1e-6)
    own = temp.reliability(shipped, labels[300:])["ece"]
    share = data["validation"]["shipped"]["ece_of_a_calibrated_model"]["at_least_observed"]
    assert re.search(rf"reads an ECE of {own:.3f} on validation .* {share:.0%} of those draws",
                     text)
