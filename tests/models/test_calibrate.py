"""Temperature scaling on tiny inputs (no ../shared needed): the fit, the fold into float and
int8 heads against a NumPy reference, the reliability figures and the refusal to fold twice."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from models.build import fold, graph
from models.build import temperature as temp
from models.build.calibrate import MARK, describe
from models.build.evaluate import calibration_error
from tests.models.test_build import random_layers, tiny_model

INT8_INPUT = np.array([[[[-128, -3, 17, 127]]]], dtype=np.int8)


def invoke(blob: bytes, x: NDArray[Any], keep: bool = False) -> tuple[Interpreter, NDArray[Any]]:
    """The interpreter (all tensors kept when ``keep``) and its output for one input."""
    interpreter = Interpreter(model_content=blob, experimental_preserve_all_tensors=keep)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return interpreter, interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def numpy_softmax(z: NDArray[np.float64], t: float) -> NDArray[np.float64]:
    e = np.exp(z / t - (z / t).max(axis=-1, keepdims=True))
    out: NDArray[np.float64] = e / e.sum(axis=-1, keepdims=True)
    return out


def draw_labels(p: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """One label per row drawn from that row's probabilities."""
    counts: NDArray[np.int64] = (rng.random((len(p), 1)) > p.cumsum(axis=1)).sum(axis=1)
    labels: NDArray[np.int64] = np.minimum(counts, p.shape[1] - 1).astype(np.int64)
    return labels


def test_fit_recovers_the_temperature_the_labels_were_drawn_with() -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((20000, 5)) * 3.0
    for true_t in (0.6, 1.7):
        p = numpy_softmax(logits, true_t)
        labels = draw_labels(p, rng)
        fitted = temp.fit(logits, labels)
        assert fitted == pytest.approx(true_t, rel=0.05)
        assert temp.nll(logits, labels, fitted) < temp.nll(logits, labels, 1.0)


@pytest.mark.parametrize("t", [0.55, 2.5])
def test_fold_into_a_float_head_is_softmax_of_logits_over_t(t: float) -> None:
    ((weights, bias),) = random_layers([4, 3], seed=4)
    layers = [(weights * np.float32(0.05), bias * np.float32(0.3))]  # logits of a few units
    model = tiny_model()
    graph.append_head(model, 0, layers)
    blob = graph.dump(model, "tiny")
    folded = fold.fold(blob, t)
    assert len(folded) == len(blob)
    features = ((INT8_INPUT.astype(np.float64) + 3.0) * 0.25).reshape(1, 4)
    logits = features @ layers[0][0].astype(np.float64) + layers[0][1]
    expected = numpy_softmax(logits, t)
    _, before = invoke(blob, INT8_INPUT)
    _, after = invoke(folded, INT8_INPUT)
    np.testing.assert_allclose(after, expected, atol=1e-6)
    assert not np.allclose(before, after, atol=1e-3)
    assert after.argmax() == before.argmax() == expected.argmax()


def int8_head() -> bytes:
    """A full-integer (int8 in, int8 out) FULLY_CONNECTED -> SOFTMAX made by TF's converter."""
    from convert import backend
    from models.build import tail

    keras = backend.keras3()
    rng = np.random.default_rng(7)
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Softmax()])
    net.layers[0].set_weights([rng.standard_normal((4, 5)).astype(np.float32) * 2.0,
                               rng.standard_normal(5).astype(np.float32)])
    calibration = rng.uniform(-1.0, 1.0, (64, 4)).astype(np.float32)
    return tail.quantise(net, calibration, io=("int8", "int8"))


def dense_output(interpreter: Interpreter) -> tuple[NDArray[np.int8], float, int]:
    """The FULLY_CONNECTED's int8 logits (from the kept tensors) and their quantisation."""
    details = [d for d in interpreter.get_tensor_details() if d["dtype"] == np.int8
               and list(d["shape"]) == [1, 5] and d["index"]
               != interpreter.get_output_details()[0]["index"]]
    (logits,) = details
    scale, zero = logits["quantization"]
    return interpreter.get_tensor(logits["index"]), float(scale), int(zero)


def test_fold_into_an_int8_head_keeps_the_integers_and_scales_the_logits() -> None:
    blob = int8_head()
    (fc, softmax) = fold.head_ops(graph.load(blob))
    assert fc is not None and softmax is not None
    t = 0.5
    folded = fold.fold(blob, t)
    x = np.array([[-100, -20, 45, 120]], dtype=np.int8)
    before, out_before = invoke(blob, x, keep=True)
    after, out_after = invoke(folded, x, keep=True)
    q_before, scale_before, zero = dense_output(before)
    q_after, scale_after, zero_after = dense_output(after)
    np.testing.assert_array_equal(q_after, q_before)  # the integer arithmetic is untouched
    assert scale_after == pytest.approx(scale_before / t) and zero_after == zero
    logits = (q_before.astype(np.float64) - zero) * scale_before
    expected = numpy_softmax(logits, t)
    (detail,) = after.get_output_details()
    out_scale, out_zero = detail["quantization"]
    probs = (out_after.astype(np.float64) - out_zero) * out_scale
    np.testing.assert_allclose(probs, expected, atol=2.0 / 256)
    assert not np.array_equal(out_after, out_before)
    assert probs.argmax() == expected.argmax()


def test_fold_refuses_what_it_cannot_fold() -> None:
    model = tiny_model()  # ends in DEQUANTIZE, not FULLY_CONNECTED -> SOFTMAX
    with pytest.raises(fold.FoldError, match="SOFTMAX"):
        fold.fold(graph.dump(model, "no head"), 0.5)
    with_head = tiny_model()
    graph.append_head(with_head, 0, random_layers([4, 3], seed=1))
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(fold.FoldError, match="positive"):
            fold.fold(graph.dump(with_head, "tiny"), bad)


def test_a_calibrated_model_is_not_calibrated_twice() -> None:
    text = describe("A classifier.", 0.5)
    assert text == f"A classifier. {MARK} 0.5000 (fitted on held-out train) before the softmax."
    with pytest.raises(SystemExit, match="already"):
        describe(text, 0.5)


def test_reliability_agrees_with_the_build_s_calibration_error() -> None:
    rng = np.random.default_rng(3)
    scores = numpy_softmax(rng.standard_normal((500, 4)) * 2.0, 1.0).astype(np.float32)
    labels = rng.integers(0, 4, 500).astype(np.int64)
    figures = temp.reliability(scores, labels)
    assert figures["ece"] == pytest.approx(calibration_error(scores, labels), abs=1e-6)
    assert sum(row["count"] for row in figures["bins"]) == 500 and len(figures["bins"]) == 15
    assert figures["mean_confidence"] == pytest.approx(float(scores.max(axis=1).mean()), abs=1e-6)


def test_the_sampling_floor_is_near_zero_for_many_images_and_larger_for_few() -> None:
    rng = np.random.default_rng(5)
    scores = numpy_softmax(rng.standard_normal((4000, 4)) * 2.0, 1.0)
    many = temp.sampling_floor(scores, draws=50)
    few = temp.sampling_floor(scores[:100], draws=50)
    assert many["p5"] <= many["median"] <= many["p95"] < 0.03
    assert few["median"] > 2 * many["median"]


def test_lowest_ece_is_the_grid_minimum_by_an_independent_ece() -> None:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((400, 4)) * 2.0
    labels = np.array([rng.choice(4, p=p) for p in numpy_softmax(logits, 0.7)], dtype=np.int64)
    found = temp.lowest_ece(logits, labels, low=0.3, high=1.5, step=0.01)
    at = found["temperature"]
    assert 0.3 <= at <= 1.5
    independent = calibration_error(numpy_softmax(logits, at).astype(np.float32), labels)
    assert found["ece"] == pytest.approx(independent, abs=1e-5)
    for t in np.round(np.arange(0.3, 1.5001, 0.01), 6):
        assert found["ece"] <= calibration_error(
            numpy_softmax(logits, float(t)).astype(np.float32), labels) + 1e-5


def test_scaled_scores_give_back_the_unscaled_logits_up_to_a_constant() -> None:
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((50, 10)) * 4.0
    shipped_t = 0.644
    recovered = temp.logits_of(numpy_softmax(logits, shipped_t)) * shipped_t
    for t in (0.5, 0.644, 1.0, 1.3):
        np.testing.assert_allclose(numpy_softmax(recovered, t), numpy_softmax(logits, t),
                                   atol=1e-9)


def test_a_smoothing_override_changes_the_recipe_and_its_held_out_cache(tmp_path: Path) -> None:
    """``--smoothing`` changes only the loss's label smoothing, and the held-out rerun of that
    recipe is cached apart from the committed recipe's."""
    from models.build import full, heldout
    from models.build.__main__ import parse_args

    assert full.recipe() == full.CHOSEN
    changed = full.recipe(smoothing=0.05)
    assert changed.smoothing == 0.05 and changed != full.CHOSEN
    assert dataclasses.replace(changed, smoothing=full.CHOSEN.smoothing) == full.CHOSEN
    assert parse_args(["--smoothing", "0.05"]).smoothing == 0.05
    assert parse_args([]).smoothing is None
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    assert heldout._cache([photo], 0, changed) != heldout._cache([photo], 0, full.CHOSEN)
    assert heldout._cache([photo], 0, full.recipe()) == heldout._cache([photo], 0, full.CHOSEN)


def test_top1_changed_counts_the_rows_whose_top_class_moved() -> None:
    before = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    after = np.array([[0.4, 0.5, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
    assert temp.top1_changed(before, after) == 1
    assert temp.top1_changed(before, before) == 0
    assert temp.top1_changed(before, before[:, ::-1]) == 2  # only the middle row keeps its class
